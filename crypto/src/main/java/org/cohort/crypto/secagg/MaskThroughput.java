package org.cohort.crypto.secagg;

import java.security.SecureRandom;
import org.cohort.crypto.internal.Algorithms;

/**
 * Measures, for benchmarks, how fast this machine expands masks (the PRG the protocol uses, added
 * onto a vector) and how fast it produces the bare AES-CTR keystream of the same JCE cipher. Seeds
 * are drawn inside and never leave; nothing here is part of the protocol.
 */
public final class MaskThroughput {

    private MaskThroughput() {}

    /** Nanoseconds to add {@code masks} masks, each from its own random seed, onto a vector of {@code length} ints. */
    public static long maskExpansionNanos(int length, int masks) {
        SecureRandom random = Algorithms.random();
        int[] target = new int[length];
        byte[][] seeds = new byte[masks][32];
        for (byte[] seed : seeds) {
            random.nextBytes(seed);
        }
        long start = System.nanoTime();
        for (byte[] seed : seeds) {
            MaskPrg.add(seed, target);
        }
        long elapsed = System.nanoTime() - start;
        if (target[length / 2] == 42 && target[0] == 42) {
            System.out.print(""); // keeps the JIT from discarding the work
        }
        return elapsed;
    }

    /** Nanoseconds to produce {@code bytes} bytes of raw AES-128-CTR keystream, {@code streams} keys. */
    public static long rawKeystreamNanos(long bytes, int streams) {
        SecureRandom random = Algorithms.random();
        byte[] block = new byte[Keystream.BLOCK_BYTES];
        byte[][] keys = new byte[streams][Keystream.KEY_BYTES];
        for (byte[] key : keys) {
            random.nextBytes(key);
        }
        long perStream = bytes / streams;
        int sink = 0;
        long start = System.nanoTime();
        for (byte[] key : keys) {
            Keystream keystream = new Keystream(key);
            for (long done = 0; done < perStream; done += Keystream.BLOCK_BYTES) {
                int length = (int) Math.min(Keystream.BLOCK_BYTES, perStream - done);
                keystream.next(block, length);
                sink += block[0];
            }
        }
        long elapsed = System.nanoTime() - start;
        if (sink == 42) {
            System.out.print("");
        }
        return elapsed;
    }
}
