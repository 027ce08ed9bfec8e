package org.cohort.privacy.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class KeystreamNoiseSourceTest {

    private static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed); // deterministic when seeded before first use: tests only
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void batchesHandOutTheSameWordsAsSingleDrawsAcrossRekeying() {
        var single = new KeystreamNoiseSource(seeded(11));
        var batched = new KeystreamNoiseSource(seeded(11));
        int total = (int) (KeystreamNoiseSource.REKEY_BYTES / Long.BYTES) + 5_000;
        long[] words = new long[total];
        int at = 0;
        for (int size = 1; at < total; size = size * 3 + 1) {
            int n = Math.min(size, total - at);
            batched.nextLongs(words, at, at + n);
            at += n;
        }
        for (int i = 0; i < total; i++) {
            if (words[i] != single.nextLongBits()) {
                throw new AssertionError("word " + i + " differs");
            }
        }
    }

    @Test
    void bitsAreBalancedAndTheCreatedSourceDescribesItself() {
        var source = KeystreamNoiseSource.create();
        long ones = 0;
        int words = 200_000;
        long[] out = new long[words];
        source.nextLongs(out, 0, words);
        for (long w : out) {
            ones += Long.bitCount(w);
        }
        double bits = 64.0 * words;
        assertThat(Math.abs(ones - bits / 2)).isLessThan(6 * Math.sqrt(bits / 4));
        assertThat(source.describe()).contains("AES-256-CTR").contains("DRBG");
    }
}
