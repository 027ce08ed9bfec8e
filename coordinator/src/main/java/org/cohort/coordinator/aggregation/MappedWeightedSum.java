package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * The running weighted sum Σ wᵢ·xᵢ of {@link WeightedSum}, kept in a file instead of on the heap,
 * so that a coordinator with a small heap can aggregate models of any size: a 1B-parameter model
 * needs an 8 GB float64 sum, which cannot live in a 1 GB heap (and a Java array stops at 2^31
 * elements anyway). Heap use is a few hundred KiB of scratch however large the model is.
 *
 * <p>The sum is a file of {@code numParameters} little-endian float64 values, memory-mapped in
 * windows (256 MiB by default) that stay mapped until {@link #close()} ({@link SumWindows}). A file
 * fold writes a window nothing was added to yet with {@code write()} rather than through the
 * mapping, sparing a page fault per 4 KiB page.
 *
 * <p>Mapped pages belong to the OS page cache, not the JVM heap: the kernel writes dirty ones
 * back and evicts them under memory pressure, so the sum may even be larger than RAM (then at disk
 * speed). The sum is scratch: it is never forced to disk, and {@link #close()} deletes the file,
 * after which the kernel drops its remaining dirty pages instead of writing them. On a disk file
 * system the kernel still writes dirty pages back in the background (and the next store to such a
 * page faults again); where RAM allows, a tmpfs directory avoids that disk traffic.
 *
 * <p>Every value is added exactly as {@link WeightedSum#addChunk} adds it ({@code sum += (double)
 * weight × (double) value}, no fused multiply-add, same order), so both give bit-identical sums
 * and means for the same sequence of contributions. Besides chunks, whole update files (as the
 * coordinator spools uploads: little-endian float32) can be folded in one pass, alone or several
 * at once ({@link #addUpdateFiles}), which reads and writes each window of the sum once for all of
 * them: per parameter 4 B per update plus 16 B once, instead of 20 B per update.
 *
 * <p>Inputs are checked before anything is added: a rejected chunk or file (NaN or infinite value,
 * wrong length, range outside the model, non-positive weight) leaves the sum unchanged. Files are
 * therefore read twice: a check pass (4 B per parameter) and the fold. The file system is checked
 * for room up front; if it fills up anyway (the sum file is sparse, so another process can take
 * the space first), the failure surfaces as an {@link IOException} naming the directory and the
 * bytes it needs, and this sum refuses further use (a partly written window cannot be trusted).
 *
 * <p>Thread-safe (every method is synchronized, as in {@link WeightedSum}: concurrent uploads fold
 * their chunks one at a time, which is what the memory bandwidth allows anyway).
 */
public final class MappedWeightedSum implements AutoCloseable {

    /** Default window: 256 MiB of sum (32 Mi parameters); update files are mapped 128 MiB at a time. */
    public static final int DEFAULT_WINDOW_BYTES = 256 << 20;

    private static final int SUM_BYTES = Double.BYTES;
    private static final int VALUE_BYTES = Float.BYTES;

    /**
     * Values per scratch block: 128 KiB of doubles plus 64 KiB of floats stay in L2. Windows are
     * copied through these heap arrays with bulk get/put (a plain memory copy for native-order
     * buffers) because the JIT vectorises a loop over arrays, but not one over buffer accessors.
     * The copies stay in cache, so memory traffic is the same as working on the mapping directly.
     */
    private static final int BLOCK = 16 * 1024;

    /** A site's spooled update and its weight, for {@link #addUpdateFiles}. */
    public record UpdateFile(Path file, long weight) {
        public UpdateFile {
            if (file == null) {
                throw new IllegalArgumentException("update file must not be null");
            }
        }
    }

    private final SumWindows sum;
    private final long numParameters;
    private final int windowParameters;
    private final double[] sumBlock = new double[BLOCK];
    private final float[] valueBlock = new float[BLOCK];
    private float[] globalBlock;
    private long totalWeight;
    private int contributions;
    private boolean closed;
    /** Set when writing the sum failed part way: the sum is then neither old nor new. */
    private String brokenBecause;

    /**
     * Creates a zero sum of {@code numParameters} float64 values in a new file in {@code directory}.
     *
     * @throws IOException if the directory lacks the {@code 8 × numParameters} bytes the sum needs
     *     (the message names both), or the file cannot be created
     */
    public MappedWeightedSum(Path directory, long numParameters) throws IOException {
        this(directory, numParameters, DEFAULT_WINDOW_BYTES);
    }

    /** As the public constructor, with a window size for tests (a multiple of 8 bytes). */
    MappedWeightedSum(Path directory, long numParameters, int windowBytes) throws IOException {
        if (numParameters <= 0 || numParameters > Long.MAX_VALUE / SUM_BYTES) {
            throw new IllegalArgumentException(
                    "number of parameters must be in [1, " + Long.MAX_VALUE / SUM_BYTES + "], got " + numParameters);
        }
        if (windowBytes < SUM_BYTES || windowBytes % SUM_BYTES != 0) {
            throw new IllegalArgumentException(
                    "window size must be a positive multiple of 8 bytes, got " + windowBytes);
        }
        long windowCount = (numParameters + windowBytes / SUM_BYTES - 1) / (windowBytes / SUM_BYTES);
        if (windowCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    windowCount + " windows of " + windowBytes + " bytes are too many; use" + " larger windows");
        }
        this.numParameters = numParameters;
        this.windowParameters = windowBytes / SUM_BYTES;
        this.sum = new SumWindows(directory, numParameters, windowParameters, (int) windowCount);
    }

    public long numParameters() {
        return numParameters;
    }

    public synchronized long totalWeight() {
        return totalWeight;
    }

    public synchronized int contributions() {
        return contributions;
    }

    /** The file holding the sum while this is open (deleted by {@link #close()}). */
    Path backingFile() {
        return sum.file();
    }

    /**
     * Adds {@code weight × values[0..count)} to the parameters starting at {@code offset}. Checks
     * the whole chunk first: on any error nothing is added.
     *
     * @throws IllegalArgumentException for a non-positive weight, a chunk outside the model, or a
     *     NaN or infinite value (the message names its parameter offset)
     */
    public synchronized void addChunk(long weight, long offset, float[] values, int count) throws IOException {
        checkUsable();
        checkWeight(weight);
        if (count < 0 || count > values.length) {
            throw new IllegalArgumentException(
                    "count " + count + " is not within the chunk's " + values.length + " values");
        }
        if (offset < 0 || offset > numParameters - count) {
            throw new IllegalArgumentException("chunk [" + offset + ", " + (offset + count)
                    + ") lies outside the model of " + numParameters + " parameters");
        }
        int bad = FiniteValues.firstNonFinite(values, 0, count);
        if (bad >= 0) {
            throw FiniteValues.nonFinite(values[bad], offset + bad, "chunk at offset " + offset);
        }
        // Map every window the chunk touches before adding anything, so that a mapping failure
        // leaves the sum unchanged too.
        for (long win = offset / windowParameters; count > 0 && win <= (offset + count - 1) / windowParameters; win++) {
            sum.window((int) win);
            sum.touch((int) win);
        }
        double w = weight;
        int done = 0;
        try {
            while (done < count) {
                long at = offset + done;
                DoubleBuffer window = sum.window((int) (at / windowParameters));
                int index = (int) (at % windowParameters);
                int n = Math.min(Math.min(count - done, windowParameters - index), BLOCK);
                addBlock(window, index, w, values, done, n);
                done += n;
            }
        } catch (InternalError e) {
            throw writeFailed(e, "adding a chunk at offset " + offset);
        }
    }

    /** Records that one site's update (all chunks) with this weight is complete. */
    public synchronized void completeContribution(long weight) {
        checkUsable();
        checkWeight(weight);
        totalWeight = Math.addExact(totalWeight, weight);
        contributions++;
    }

    /**
     * Folds a whole update file (little-endian float32, exactly {@code numParameters} values) with
     * this weight and records it as one contribution. The file is checked in full first.
     *
     * @throws IllegalArgumentException for a non-positive weight, a file of the wrong length, or a
     *     NaN or infinite value (the message names the file and the parameter offset)
     */
    public void addUpdateFile(long weight, Path update) throws IOException {
        addUpdateFiles(List.of(new UpdateFile(update, weight)));
    }

    /**
     * Folds several update files in one pass over the sum and records each as a contribution: each
     * window of the sum is read and written once for all of them. Every file is checked before
     * anything is added. Values are added in list order, so the result is bit-identical to calling
     * {@link #addUpdateFile} for each in that order.
     */
    public synchronized void addUpdateFiles(List<UpdateFile> updates) throws IOException {
        checkUsable();
        if (updates.isEmpty()) {
            return;
        }
        long weightSum = totalWeight;
        for (UpdateFile u : updates) {
            checkWeight(u.weight());
            checkUpdateLength(u.file(), "update file");
            weightSum = Math.addExact(weightSum, u.weight());
        }
        try (var inputs = new UpdateFileWindows(updates, numParameters, windowParameters, sum.count())) {
            inputs.checkFinite(valueBlock);
            for (int w = 0; w < sum.count(); w++) {
                if (!sum.fresh(w)) {
                    sum.window(w); // all mapping of the sum happens before anything is added
                }
            }
            try {
                foldFiles(inputs);
            } catch (IOException | RuntimeException e) {
                // Some windows may hold the new contributions and others not: neither old nor new.
                if (brokenBecause == null) {
                    brokenBecause =
                            "folding " + updates.size() + " update file(s) failed part way (" + e.getMessage() + ")";
                }
                throw e;
            }
        }
        totalWeight = weightSum;
        contributions += updates.size();
    }

    /** Copies {@code count} values of the running sum Σ wᵢ·xᵢ from {@code offset} into {@code into}. */
    public synchronized void readSum(long offset, double[] into, int count) throws IOException {
        checkUsable();
        if (count < 0 || count > into.length || offset < 0 || offset > numParameters - count) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + count) + ") does not fit the model"
                    + " of " + numParameters + " parameters and an array of " + into.length);
        }
        sum.read(offset, into, count);
    }

    /**
     * Writes the weighted mean Σ wᵢ·xᵢ / Σ wᵢ as little-endian float32 to {@code out} (created or
     * replaced), each value rounded exactly as {@link WeightedSum#mean()} rounds it.
     */
    public synchronized void writeMean(Path out) throws IOException {
        writeOutput(null, 0, out);
    }

    /**
     * Writes FedAvg's next global model {@code global + serverLearningRate × mean} as
     * little-endian float32 to {@code out}, each value computed exactly as
     * {@link FedAvg#nextGlobal} computes it; {@code global} is a float32 file of the model's size.
     */
    public synchronized void writeNextGlobal(Path global, double serverLearningRate, Path out) throws IOException {
        if (!(serverLearningRate > 0) || Double.isInfinite(serverLearningRate)) {
            throw new IllegalArgumentException(
                    "server learning rate must be a positive number, got " + serverLearningRate);
        }
        checkUpdateLength(global, "global model file");
        writeOutput(global, serverLearningRate, out);
    }

    /** Unmaps the sum and deletes its file. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        sum.close();
    }

    // ---- folding ------------------------------------------------------------------------------

    /** sum[index..index+n) of one window += w × values[from..from+n); n ≤ BLOCK. */
    private void addBlock(DoubleBuffer window, int index, double w, float[] values, int from, int n) {
        double[] acc = sumBlock;
        window.get(index, acc, 0, n);
        for (int k = 0; k < n; k++) {
            acc[k] += w * (double) values[from + k];
        }
        window.put(index, acc, 0, n);
    }

    private void foldFiles(UpdateFileWindows inputs) throws IOException {
        int files = inputs.updates.size();
        double[] weights = new double[files];
        for (int f = 0; f < files; f++) {
            weights[f] = inputs.updates.get(f).weight();
        }
        FloatBuffer[] views = new FloatBuffer[files];
        for (int w = 0; w < sum.count(); w++) {
            long first = sum.first(w);
            int length = sum.length(w);
            try {
                for (int f = 0; f < files; f++) {
                    views[f] = inputs.view(f, w);
                }
                // A window nothing was added to yet is all zeros (a hole in the sparse file): its
                // new values are computed from 0.0 and written with write(), which fills the page
                // cache without the page fault per 4 KiB page that a first store into a fresh
                // mapping costs (several times the arithmetic). Later contributions use the mapping.
                boolean fresh = sum.fresh(w);
                sum.touch(w);
                DoubleBuffer window = fresh ? null : sum.window(w);
                double[] acc = sumBlock;
                float[] values = valueBlock;
                for (int at = 0; at < length; at += BLOCK) {
                    int n = Math.min(BLOCK, length - at);
                    if (fresh) {
                        Arrays.fill(acc, 0, n, 0.0);
                    } else {
                        window.get(at, acc, 0, n);
                    }
                    for (int f = 0; f < files; f++) {
                        views[f].get(at, values, 0, n);
                        double weight = weights[f];
                        for (int k = 0; k < n; k++) {
                            acc[k] += weight * (double) values[k];
                        }
                    }
                    if (fresh) {
                        writeFresh(first + at, acc, n);
                    } else {
                        window.put(at, acc, 0, n);
                    }
                }
            } catch (InternalError e) {
                throw writeFailed(e, "folding update files into window " + w);
            } finally {
                Arrays.fill(views, null);
                inputs.release(w);
            }
        }
    }

    /** Writes acc[0..n) as the sum's values from parameter {@code first} with write() (see foldFiles). */
    private void writeFresh(long first, double[] acc, int n) throws IOException {
        try {
            sum.write(first, acc, n);
        } catch (IOException e) {
            throw writeFailed(e, "writing parameters from " + first);
        }
    }

    private void writeOutput(Path global, double serverLearningRate, Path out) throws IOException {
        checkUsable();
        if (totalWeight == 0) {
            throw new IllegalStateException("no contribution to average");
        }
        Path target = out.toAbsolutePath();
        if (global != null && Files.exists(target) && Files.isSameFile(global, target)) {
            throw new IllegalArgumentException("the next global model must go to a new file, not over " + global);
        }
        long needed = numParameters * VALUE_BYTES;
        Path parent = target.getParent();
        long reusable = Files.isRegularFile(target) ? Files.size(target) : 0;
        MappedFiles.requireSpace(
                parent,
                needed - reusable,
                "the " + (global == null ? "mean" : "next global model") + " " + target.getFileName());
        double total = totalWeight;
        // Output goes through write() rather than a mapping: a full disk then fails the write with
        // an IOException (ENOSPC) instead of a SIGBUS inside a mapped store.
        ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK * VALUE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer bufferFloats = buffer.asFloatBuffer();
        float[] result = valueBlock;
        double[] acc = sumBlock;
        if (global != null && globalBlock == null) {
            globalBlock = new float[BLOCK];
        }
        long written = 0;
        try (FileChannel outChannel = FileChannel.open(
                        target,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
                FileChannel globalChannel = global == null ? null : FileChannel.open(global, StandardOpenOption.READ)) {
            for (int w = 0; w < sum.count(); w++) {
                long first = sum.first(w);
                int length = sum.length(w);
                MappedByteBuffer globalWindow = global == null
                        ? null
                        : MappedFiles.mapRead(globalChannel, global, first * VALUE_BYTES, (long) length * VALUE_BYTES);
                try {
                    FloatBuffer globalView = globalWindow == null ? null : globalWindow.asFloatBuffer();
                    DoubleBuffer window = sum.window(w);
                    for (int at = 0; at < length; at += BLOCK) {
                        int n = Math.min(BLOCK, length - at);
                        window.get(at, acc, 0, n);
                        for (int k = 0; k < n; k++) {
                            result[k] = (float) (acc[k] / total); // as WeightedSum.mean()
                        }
                        if (globalView != null) {
                            float[] g = globalBlock;
                            globalView.get(at, g, 0, n);
                            for (int k = 0; k < n; k++) {
                                result[k] = (float) (g[k] + serverLearningRate * result[k]); // as FedAvg
                            }
                        }
                        bufferFloats.put(0, result, 0, n);
                        buffer.clear().limit(n * VALUE_BYTES);
                        written = writeFully(outChannel, buffer, written, needed, target, parent);
                    }
                } finally {
                    if (globalWindow != null) {
                        MappedFiles.unmap(globalWindow);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target); // never leave a truncated model behind
            throw e;
        }
    }

    private static long writeFully(
            FileChannel out, ByteBuffer buffer, long written, long needed, Path target, Path parent)
            throws IOException {
        try {
            while (buffer.hasRemaining()) {
                written += out.write(buffer);
            }
            return written;
        } catch (IOException e) {
            throw new IOException(
                    "writing " + target + " failed after " + written + " of " + needed + " bytes (it needs "
                            + MappedFiles.bytes(needed) + " in " + parent + ", which has "
                            + MappedFiles.bytes(MappedFiles.usable(parent)) + " usable now): "
                            + e.getMessage(),
                    e);
        }
    }

    // ---- checks -------------------------------------------------------------------------------

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("this weighted sum is closed");
        }
        if (brokenBecause != null) {
            throw new IllegalStateException("this weighted sum is unusable: " + brokenBecause);
        }
    }

    private static void checkWeight(long weight) {
        if (weight <= 0) {
            throw new IllegalArgumentException("weight must be positive, got " + weight);
        }
    }

    private void checkUpdateLength(Path update, String what) throws IOException {
        long size = Files.size(update);
        if (size % VALUE_BYTES != 0) {
            throw new IllegalArgumentException(what + " " + update + " is " + size
                    + " bytes, not a whole number of float32 values (a multiple of 4)");
        }
        if (size / VALUE_BYTES != numParameters) {
            throw new IllegalArgumentException(what + " " + update + " holds " + size / VALUE_BYTES
                    + " float32 values but the model has " + numParameters + " parameters");
        }
    }

    /**
     * A store into a mapped page that the file system cannot back (disk full under a sparse file)
     * raises SIGBUS, which the JVM turns into an InternalError (a write() fails with ENOSPC, an
     * IOException). The window may then be partly
     * updated, so the sum is marked unusable and the operator told what the directory needs.
     */
    private IOException writeFailed(Throwable e, String doing) {
        long needed = numParameters * SUM_BYTES;
        brokenBecause = doing + " failed: the running sum file " + sum.file() + " could not be written (is "
                + sum.directory() + " full? the sum needs " + MappedFiles.bytes(needed) + " there, "
                + MappedFiles.bytes(MappedFiles.usable(sum.directory())) + " usable now)";
        return new IOException(brokenBecause + "; " + e.getMessage(), e);
    }
}
