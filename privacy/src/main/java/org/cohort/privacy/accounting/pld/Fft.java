package org.cohort.privacy.accounting.pld;

/**
 * In-place iterative radix-2 complex FFT whose twiddle factors are each computed directly with
 * Math.cos/Math.sin (not by recurrence), giving errors of order log2(n)·ulp — see
 * {@link Convolution} for why that matters here.
 */
final class Fft {

    private final int n;
    private final double[] cos;
    private final double[] sin;

    Fft(int n) {
        if (n < 1 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("FFT length must be a power of two, got " + n);
        }
        this.n = n;
        int half = Math.max(1, n / 2);
        cos = new double[half];
        sin = new double[half];
        for (int k = 0; k < half; k++) {
            double angle = 2 * Math.PI * k / n;
            cos[k] = Math.cos(angle);
            sin[k] = Math.sin(angle);
        }
    }

    /**
     * Forward: X_k = Σ_j x_j·e^{-2πi·jk/n}. Inverse: the conjugate transform divided by n, so
     * that inverse(forward(x)) = x.
     */
    void transform(double[] re, double[] im, boolean inverse) {
        if (re.length != n || im.length != n) {
            throw new IllegalArgumentException("arrays must have length " + n);
        }
        bitReverse(re, im);
        double sign = inverse ? 1 : -1;
        for (int size = 2; size <= n; size <<= 1) {
            int half = size >>> 1;
            int step = n / size;
            for (int start = 0; start < n; start += size) {
                for (int j = 0, k = 0; j < half; j++, k += step) {
                    double wr = cos[k];
                    double wi = sign * sin[k];
                    int a = start + j;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
        if (inverse) {
            double scale = 1.0 / n;
            for (int i = 0; i < n; i++) {
                re[i] *= scale;
                im[i] *= scale;
            }
        }
    }

    private void bitReverse(double[] re, double[] im) {
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >>> 1;
            for (; (j & bit) != 0; bit >>>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
    }
}
