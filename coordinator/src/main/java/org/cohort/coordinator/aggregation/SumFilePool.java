package org.cohort.coordinator.aggregation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Running-sum files kept between rounds, so that a coordinator aggregating a large model round
 * after round writes each round's sum into disk blocks and page-cache pages the previous round
 * already allocated, instead of creating a sparse file whose every page is allocated (and, before
 * this pool, faulted in through a mapping) on the round's critical path. A closed {@link
 * MappedWeightedSum} gives its file back; the next sum takes the smallest idle file large enough,
 * else grows the largest idle one, else creates a new one. A reused file is never cleared: the sum
 * tracks which windows hold its own values ({@link SumFile}).
 *
 * <p>At most {@code maxIdle} files wait here; {@link #close()} deletes them. Thread-safe.
 */
public final class SumFilePool implements AutoCloseable {
    private final Path directory;
    private final int maxIdle;
    private final List<SumFile> idle = new ArrayList<>();
    private boolean closed;

    /** Keeps up to {@code maxIdle} sum files in {@code directory} (created if absent) for reuse. */
    public SumFilePool(Path directory, int maxIdle) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative, got " + maxIdle);
        }
        this.directory = directory;
        this.maxIdle = maxIdle;
    }

    public Path directory() {
        return directory;
    }

    /** Files waiting for reuse now. */
    public synchronized int idleFiles() {
        return idle.size();
    }

    /** A file with room for {@code numParameters} values: an idle one if any, else a new one. */
    synchronized SumFile take(long numParameters) throws IOException {
        SumFile best = null;
        for (SumFile f : idle) {
            boolean fits = f.capacity() >= numParameters;
            if (best == null
                    || (fits && (best.capacity() < numParameters || f.capacity() < best.capacity()))
                    || (!fits && best.capacity() < numParameters && f.capacity() > best.capacity())) {
                best = f;
            }
        }
        if (best != null) {
            idle.remove(best);
            return best;
        }
        Files.createDirectories(directory);
        return SumFile.create(directory, numParameters);
    }

    /** Takes back a file whose sum is closed; deletes it if the pool is full or closed. */
    synchronized void give(SumFile file) throws IOException {
        if (closed || idle.size() >= maxIdle) {
            file.close();
            return;
        }
        idle.add(file);
    }

    /** Deletes every idle file; files given back later are deleted at once. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        clear();
    }

    /** Deletes every idle file; the pool keeps taking files back. */
    public synchronized void clear() throws IOException {
        IOException failed = null;
        for (SumFile f : idle) {
            try {
                f.close();
            } catch (IOException e) {
                failed = e;
            }
        }
        idle.clear();
        if (failed != null) {
            throw failed;
        }
    }
}
