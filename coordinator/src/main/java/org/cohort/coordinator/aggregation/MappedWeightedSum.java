package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The running weighted sum Σ wᵢ·xᵢ of {@link WeightedSum}, kept in a file instead of on the heap,
 * so that a coordinator with a small heap can aggregate models of any size: a 1B-parameter model
 * needs an 8 GB float64 sum, which cannot live in a 1 GB heap (and a Java array stops at 2^31
 * elements anyway). Heap use is a few hundred KiB of scratch however large the model is.
 *
 * <p>The sum is a file of {@code numParameters} little-endian float64 values ({@link SumFile}),
 * read and written block by block with positional {@code read()}/{@code write()} (no memory
 * mapping, so no page fault per 4 KiB page on first touch), in windows (256 MiB by default) that
 * remember whether anything was added to them: a window nothing was added to yet reads as zeros
 * and is written whole by the first fold, without reading the file. So the file may come from a
 * {@link SumFilePool} and hold an earlier round's sum: {@link #close()} gives it back, and the next
 * round reuses its allocated blocks and page-cache pages.
 *
 * <p>The file lives in the OS page cache, not the JVM heap: the kernel writes dirty pages back and
 * evicts them under memory pressure, so the sum may even be larger than RAM (then at disk speed).
 * The sum is scratch and never forced to disk.
 *
 * <p>Every value is added exactly as {@link WeightedSum#addChunk} adds it ({@code sum += (double)
 * weight × (double) value}, no fused multiply-add, same order), so both give bit-identical sums
 * and means for the same sequence of contributions. Besides chunks, whole update files (as the
 * coordinator spools uploads: little-endian float32) can be folded in one pass, alone or several
 * at once ({@link #addUpdateFiles}), which reads and writes each block of the sum once for all of
 * them: per parameter 4 B per update plus 16 B once, instead of 20 B per update.
 *
 * <p>Inputs of {@link #addChunk} and {@link #addUpdateFiles} are checked before anything is added:
 * a rejected chunk or file (NaN or infinite value, wrong length, range outside the model,
 * non-positive weight) leaves the sum unchanged, so such files are read twice (a check pass and the
 * fold). {@link #addSpooledUpdate} folds an upload the coordinator already verified in one pass,
 * checking each block as it goes; a bad value there leaves the sum unusable. The file system is
 * checked for room up front; if it fills up anyway (a new sum file is sparse, so another process
 * can take the space first), the failure surfaces as an {@link IOException} naming the directory
 * and the bytes it needs, and this sum refuses further use (a partly written sum cannot be trusted).
 *
 * <p>Thread-safe (every method is synchronized, as in {@link WeightedSum}: concurrent uploads fold
 * their chunks one at a time, which is what the memory bandwidth allows anyway).
 */
public final class MappedWeightedSum implements AutoCloseable {

    /** Default window: 256 MiB of sum (32 Mi parameters). */
    public static final int DEFAULT_WINDOW_BYTES = 256 << 20;

    private static final int SUM_BYTES = Double.BYTES;
    private static final int VALUE_BYTES = Float.BYTES;

    /**
     * Values per scratch block: 128 KiB of doubles plus 64 KiB of floats stay in L2. The file's
     * blocks are copied through these heap arrays with bulk get/put (a plain memory copy from the
     * direct read buffers) because the JIT vectorises a loop over arrays, but not one over buffer
     * accessors. The copies stay in cache, so memory traffic is the same as working on the file's pages.
     */
    private static final int BLOCK = SumFile.BLOCK;

    /** A site's spooled update and its weight, for {@link #addUpdateFiles}. */
    public record UpdateFile(Path file, long weight) {
        public UpdateFile {
            if (file == null) {
                throw new IllegalArgumentException("update file must not be null");
            }
        }
    }

    private final SumFile sum;
    /** Where the file goes back on close; null: it is deleted. */
    private final SumFilePool pool;

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
     * Creates a zero sum of {@code numParameters} float64 values in a new file in {@code directory},
     * deleted by {@link #close()}.
     *
     * @throws IOException if the directory lacks the {@code 8 × numParameters} bytes the sum needs
     *     (the message names both), or the file cannot be created
     */
    public MappedWeightedSum(Path directory, long numParameters) throws IOException {
        this(directory, numParameters, DEFAULT_WINDOW_BYTES);
    }

    /**
     * Creates a zero sum of {@code numParameters} float64 values in a file of {@code pool} (an idle
     * one when there is one: no new blocks to allocate), given back by {@link #close()}.
     */
    public MappedWeightedSum(SumFilePool pool, long numParameters) throws IOException {
        this(null, pool, numParameters, DEFAULT_WINDOW_BYTES);
    }

    /** As the public constructor, with a window size for tests (a multiple of 8 bytes). */
    MappedWeightedSum(Path directory, long numParameters, int windowBytes) throws IOException {
        this(directory, null, numParameters, windowBytes);
    }

    /** A sum in a file of {@code pool}, with a window size for tests. */
    MappedWeightedSum(SumFilePool pool, long numParameters, int windowBytes) throws IOException {
        this(null, pool, numParameters, windowBytes);
    }

    private MappedWeightedSum(Path directory, SumFilePool pool, long numParameters, int windowBytes)
            throws IOException {
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
        this.pool = pool;
        SumFile file = pool == null ? SumFile.create(directory, numParameters) : pool.take(numParameters);
        try {
            file.begin(numParameters, windowParameters, (int) windowCount);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        this.sum = file;
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
        double w = weight;
        double[] acc = sumBlock;
        int done = 0;
        try {
            while (done < count) {
                long at = offset + done;
                int win = (int) (at / windowParameters);
                int n = (int) Math.min(Math.min(count - done, sum.first(win) + sum.length(win) - at), BLOCK);
                sum.readBlock(win, at, acc, 0, n);
                for (int k = 0; k < n; k++) {
                    acc[k] += w * (double) values[done + k];
                }
                sum.touchPart(win);
                sum.writeBlock(at, acc, 0, n);
                done += n;
            }
        } catch (IOException e) {
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
        try (var inputs = new UpdateFileWindows(updates, numParameters, BLOCK)) {
            inputs.checkFinite(valueBlock);
            try {
                foldFiles(inputs, false);
            } catch (IOException | RuntimeException e) {
                // Some blocks may hold the new contributions and others not: neither old nor new.
                markBroken("folding " + updates.size() + " update file(s) failed part way (" + e.getMessage() + ")");
                throw e;
            }
        }
        totalWeight = weightSum;
        contributions += updates.size();
    }

    /**
     * Folds an upload the coordinator already verified (little-endian float32, exactly {@code
     * numParameters} values) in one pass: each block is read once, straight from the file into the
     * fold, and checked just before it is added. A NaN or infinity there (the upload changed after
     * it was verified) still throws {@link IllegalArgumentException} naming file and offset, but
     * the sum is then unusable, part of the file having been added.
     */
    public synchronized void addSpooledUpdate(long weight, Path spool) throws IOException {
        checkUsable();
        checkWeight(weight);
        checkUpdateLength(spool, "update file");
        long weightSum = Math.addExact(totalWeight, weight);
        try (var input = new UpdateFileWindows(List.of(new UpdateFile(spool, weight)), numParameters, BLOCK)) {
            try {
                foldFiles(input, true);
            } catch (IOException | RuntimeException e) {
                markBroken("folding update file " + spool + " failed part way (" + e.getMessage() + ")");
                throw e;
            }
        }
        totalWeight = weightSum;
        contributions++;
    }

    /** Adds {@code count} values of the running sum from {@code offset} to {@code into[0..count)}. */
    public synchronized void addSumTo(long offset, double[] into, int count) throws IOException {
        checkUsable();
        checkRange(offset, into, count);
        double[] block = sumBlock;
        for (int done = 0; done < count; ) {
            int n = Math.min(BLOCK, count - done);
            sum.read(offset + done, block, n);
            for (int k = 0; k < n; k++) {
                into[done + k] += block[k];
            }
            done += n;
        }
    }

    /** Copies {@code count} values of the running sum Σ wᵢ·xᵢ from {@code offset} into {@code into}. */
    public synchronized void readSum(long offset, double[] into, int count) throws IOException {
        checkUsable();
        checkRange(offset, into, count);
        sum.read(offset, into, count);
    }

    private void checkRange(long offset, double[] into, int count) {
        if (count < 0 || count > into.length || offset < 0 || offset > numParameters - count) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + count) + ") does not fit the model"
                    + " of " + numParameters + " parameters and an array of " + into.length);
        }
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

    /**
     * Gives the file back to its pool, or deletes it (a sum without a pool, or one left unusable by
     * a failed write: its file is not trusted again). Idempotent.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null && brokenBecause == null) {
            pool.give(sum);
        } else {
            sum.close();
        }
    }

    // ---- folding ------------------------------------------------------------------------------

    /**
     * One pass over the sum: each block is read (zeros for a window nothing was added to yet), every
     * file's block added in list order, and written back. {@code checkEach}: check each file block
     * for a non-finite value just before adding it (the one-pass fold of a verified upload).
     */
    private void foldFiles(UpdateFileWindows inputs, boolean checkEach) throws IOException {
        int files = inputs.updates.size();
        double[] weights = new double[files];
        for (int f = 0; f < files; f++) {
            weights[f] = inputs.updates.get(f).weight();
        }
        double[] acc = sumBlock;
        float[] values = valueBlock;
        for (int w = 0; w < sum.count(); w++) {
            long first = sum.first(w);
            int length = sum.length(w);
            for (int at = 0; at < length; at += BLOCK) {
                int n = Math.min(BLOCK, length - at);
                sum.readBlock(w, first + at, acc, 0, n);
                for (int f = 0; f < files; f++) {
                    inputs.read(f, first + at, values, n);
                    if (checkEach) {
                        int bad = FiniteValues.firstNonFinite(values, 0, n);
                        if (bad >= 0) {
                            throw FiniteValues.nonFinite(
                                    values[bad],
                                    first + at + bad,
                                    "update file " + inputs.updates.get(f).file());
                        }
                    }
                    double weight = weights[f];
                    for (int k = 0; k < n; k++) {
                        acc[k] += weight * (double) values[k];
                    }
                }
                try {
                    sum.writeBlock(first + at, acc, 0, n);
                } catch (IOException e) {
                    throw writeFailed(e, "writing parameters from " + (first + at));
                }
            }
            // Written whole from the window's first block on; a failure part way marks the sum broken.
            sum.touchWhole(w);
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
                UpdateFileWindows globalInput = global == null
                        ? null
                        : new UpdateFileWindows(List.of(new UpdateFile(global, 1)), numParameters, BLOCK)) {
            for (long at = 0; at < numParameters; at += BLOCK) {
                int n = (int) Math.min(BLOCK, numParameters - at);
                sum.read(at, acc, n);
                for (int k = 0; k < n; k++) {
                    result[k] = (float) (acc[k] / total); // as WeightedSum.mean()
                }
                if (globalInput != null) {
                    float[] g = globalBlock;
                    globalInput.read(0, at, g, n);
                    for (int k = 0; k < n; k++) {
                        result[k] = (float) (g[k] + serverLearningRate * result[k]); // as FedAvg
                    }
                }
                bufferFloats.put(0, result, 0, n);
                buffer.clear().limit(n * VALUE_BYTES);
                written = writeFully(outChannel, buffer, written, needed, target, parent);
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

    private void markBroken(String why) {
        if (brokenBecause == null) {
            brokenBecause = why;
        }
    }

    /**
     * A write into the sum's file failed (disk full under a sparse file: ENOSPC). Part of the sum
     * may be updated, so it is marked unusable and the operator told what the directory needs.
     */
    private IOException writeFailed(Throwable e, String doing) {
        long needed = numParameters * SUM_BYTES;
        brokenBecause = doing + " failed: the running sum file " + sum.file() + " could not be written (is "
                + sum.directory() + " full? the sum needs " + MappedFiles.bytes(needed) + " there, "
                + MappedFiles.bytes(MappedFiles.usable(sum.directory())) + " usable now)";
        return new IOException(brokenBecause + "; " + e.getMessage(), e);
    }
}
