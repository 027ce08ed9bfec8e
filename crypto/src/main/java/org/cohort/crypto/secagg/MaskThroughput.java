package org.cohort.crypto.secagg;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.crypto.KeyAgreement;
import org.cohort.crypto.internal.Algorithms;

/**
 * Measures, for benchmarks, how fast this machine expands masks (the PRG the protocol uses, added
 * onto a vector), how fast it produces the bare AES-CTR keystream of the same JCE cipher, and what
 * an X25519 agreement costs in Bouncy Castle (what the protocol uses) and in the JDK. Seeds and
 * keys are drawn inside and never leave; nothing here is part of the protocol. Every figure comes
 * as wall time and CPU time (of this thread and the ForkJoin workers the expansion runs on).
 */
public final class MaskThroughput {

    private static final java.lang.invoke.VarHandle LITTLE_ENDIAN_INT =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private MaskThroughput() {}

    /** Wall-clock and CPU nanoseconds (this thread and the ForkJoin workers) of one measurement. */
    public record Timing(long wallNanos, long cpuNanos) {}

    /**
     * Adds {@code masks} masks, each from its own random seed, onto a vector of {@code length} ints
     * the way the protocol does now: all masks in one blocked pass, ranges in parallel on up to
     * {@code parallelism} threads.
     */
    public static Timing maskExpansion(int length, int masks, int parallelism) {
        List<MaskPrg.Mask> list = new ArrayList<>();
        for (byte[] seed : seeds(masks)) {
            list.add(new MaskPrg.Mask(seed, false));
        }
        int[] target = new int[length];
        long cpu = workCpuNanos();
        long start = System.nanoTime();
        MaskPrg.applyAll(list, target, parallelism);
        Timing timing = new Timing(System.nanoTime() - start, workCpuNanos() - cpu);
        keep(target[length / 2]);
        return timing;
    }

    /** {@link #maskExpansion} on all the common pool's threads. */
    public static long maskExpansionNanos(int length, int masks) {
        return maskExpansion(length, masks, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism())
                .wallNanos();
    }

    /**
     * The baseline the fused expansion replaced, kept here only to be measured against it: a new
     * cipher per mask and one pass over the whole vector per mask, on this thread.
     */
    public static Timing onePassPerMask(int length, int masks) {
        byte[][] seeds = seeds(masks);
        int[] target = new int[length];
        byte[] block = new byte[Keystream.BLOCK_BYTES];
        int perBlock = Keystream.BLOCK_BYTES / Integer.BYTES;
        long cpu = workCpuNanos();
        long start = System.nanoTime();
        for (byte[] seed : seeds) {
            Keystream keystream = Keystream.fromSeed(seed);
            for (int offset = 0; offset < length; offset += perBlock) {
                int count = Math.min(perBlock, length - offset);
                keystream.next(block, count * Integer.BYTES);
                for (int k = 0; k < count; k++) {
                    target[offset + k] += (int) LITTLE_ENDIAN_INT.get(block, k * Integer.BYTES);
                }
            }
        }
        Timing timing = new Timing(System.nanoTime() - start, workCpuNanos() - cpu);
        keep(target[length / 2]);
        return timing;
    }

    /**
     * Produces {@code bytes} bytes of raw AES-128-CTR keystream from {@code streams} keys, the
     * streams spread over {@code threads} threads (1: this thread), each thread reusing one buffer.
     */
    public static Timing rawKeystream(long bytes, int streams, int threads) {
        SecureRandom random = Algorithms.random();
        byte[][] keys = new byte[streams][Keystream.KEY_BYTES];
        for (byte[] key : keys) {
            random.nextBytes(key);
        }
        long perStream = bytes / streams;
        int[] sinks = new int[streams];
        long cpu = workCpuNanos();
        long start = System.nanoTime();
        IntStream range = IntStream.range(0, streams);
        (threads > 1 ? range.parallel() : range).forEach(s -> sinks[s] = stream(keys[s], perStream));
        Timing timing = new Timing(System.nanoTime() - start, workCpuNanos() - cpu);
        keep(sinks[0]);
        return timing;
    }

    /** Nanoseconds to produce {@code bytes} bytes of raw AES-128-CTR keystream, {@code streams} keys, on this thread. */
    public static long rawKeystreamNanos(long bytes, int streams) {
        return rawKeystream(bytes, streams, 1).wallNanos();
    }

    private static int stream(byte[] key, long length) {
        byte[] block = new byte[Keystream.BLOCK_BYTES];
        Keystream keystream = new Keystream(key);
        int sink = 0;
        for (long done = 0; done < length; done += Keystream.BLOCK_BYTES) {
            keystream.next(block, (int) Math.min(Keystream.BLOCK_BYTES, length - done));
            sink += block[0];
        }
        return sink;
    }

    /**
     * {@code count} X25519 agreements (the shared secret of a fixed key pair and peer) through Bouncy
     * Castle's RFC 7748 code, as {@link X25519Keys} does, or through the JDK's {@code XDH}
     * KeyAgreement with the same raw 32-byte keys, whose results are checked to be equal.
     */
    public static Timing x25519(int count, boolean jdk) {
        SecureRandom random = Algorithms.random();
        X25519Keys own = X25519Keys.generate(random);
        X25519Keys peer = X25519Keys.generate(random);
        byte[] expected = X25519Keys.agree(own.privateKey(), peer.publicKey());
        if (!java.util.Arrays.equals(expected, jdkAgree(own.privateKey(), peer.publicKey()))) {
            throw new IllegalStateException("the JDK's X25519 disagrees with Bouncy Castle's");
        }
        int sink = 0;
        long cpu = workCpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            byte[] shared = jdk
                    ? jdkAgree(own.privateKey(), peer.publicKey())
                    : X25519Keys.agree(own.privateKey(), peer.publicKey());
            sink += shared[i & 31];
        }
        Timing timing = new Timing(System.nanoTime() - start, workCpuNanos() - cpu);
        keep(sink);
        return timing;
    }

    /** X25519 through the JDK with raw RFC 7748 encodings: scalar bytes as given, u little-endian, top bit masked. */
    static byte[] jdkAgree(byte[] privateKey, byte[] peerPublicKey) {
        try {
            KeyFactory factory = KeyFactory.getInstance("XDH");
            PrivateKey own = factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey));
            byte[] bigEndian = new byte[peerPublicKey.length];
            for (int i = 0; i < peerPublicKey.length; i++) {
                bigEndian[i] = peerPublicKey[peerPublicKey.length - 1 - i];
            }
            bigEndian[0] &= 0x7F;
            PublicKey peer = factory.generatePublic(
                    new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, bigEndian)));
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(own);
            agreement.doPhase(peer, true);
            return agreement.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's X25519 failed", e);
        }
    }

    /**
     * CPU nanoseconds of the calling thread plus the common ForkJoin pool's workers (where the
     * expansion runs), to the nanosecond: the process total from the OS moves in 10 ms ticks, and
     * it would also count the JIT compiler and the garbage collector.
     */
    public static long workCpuNanos() {
        long total = THREADS.getCurrentThreadCpuTime();
        for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("ForkJoinPool.commonPool-worker")) {
                long t = THREADS.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    total += t;
                }
            }
        }
        return total;
    }

    private static byte[][] seeds(int masks) {
        SecureRandom random = Algorithms.random();
        byte[][] seeds = new byte[masks][32];
        for (byte[] seed : seeds) {
            random.nextBytes(seed);
        }
        return seeds;
    }

    private static void keep(int value) {
        if (value == 42) {
            System.out.print(""); // keeps the JIT from discarding the work
        }
    }
}
