package org.cohort.privacy.accounting.pld;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConvolutionTest {

    private static double[] randomPmf(SplittableRandom random, int length) {
        double[] p = new double[length];
        double sum = 0;
        for (int i = 0; i < length; i++) {
            p[i] = random.nextDouble();
            sum += p[i];
        }
        for (int i = 0; i < length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static double[] directConvolution(double[] a, double[] b) {
        double[] out = new double[a.length + b.length - 1];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                out[i + j] += a[i] * b[j];
            }
        }
        return out;
    }

    @Test
    void fftConvolutionMatchesDirectSum() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            double[] a = randomPmf(random, 17 + random.nextInt(500));
            double[] b = randomPmf(random, 17 + random.nextInt(500));
            double[] fast = Convolution.linear(a, b);
            double[] slow = directConvolution(a, b);
            assertThat(fast).hasSameSizeAs(slow);
            for (int i = 0; i < slow.length; i++) {
                assertThat(fast[i]).isCloseTo(slow[i], within(1e-15));
            }
        }
    }

    @Test
    void fftRoundTripsAndMatchesTheDefinition() {
        int n = 64;
        SplittableRandom random = new SplittableRandom(9);
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = random.nextDouble() - 0.5;
            im[i] = random.nextDouble() - 0.5;
        }
        double[] re0 = re.clone();
        double[] im0 = im.clone();
        Fft fft = new Fft(n);
        fft.transform(re, im, false);
        for (int k = 0; k < n; k++) {
            double sr = 0;
            double si = 0;
            for (int j = 0; j < n; j++) {
                double angle = -2 * Math.PI * j * k / n;
                sr += re0[j] * Math.cos(angle) - im0[j] * Math.sin(angle);
                si += re0[j] * Math.sin(angle) + im0[j] * Math.cos(angle);
            }
            assertThat(re[k]).isCloseTo(sr, within(1e-12));
            assertThat(im[k]).isCloseTo(si, within(1e-12));
        }
        fft.transform(re, im, true);
        for (int i = 0; i < n; i++) {
            assertThat(re[i]).isCloseTo(re0[i], within(1e-15));
            assertThat(im[i]).isCloseTo(im0[i], within(1e-15));
        }
    }

    @Test
    void selfConvolutionMatchesRepeatedDirectConvolution() {
        double[] p = randomPmf(new SplittableRandom(3), 40);
        int times = 7;
        double[] expected = p;
        for (int i = 1; i < times; i++) {
            expected = directConvolution(expected, p);
        }
        double[] circular = Convolution.selfConvolveCircular(p, times, Convolution.fftLength(expected.length));
        for (int i = 0; i < expected.length; i++) {
            assertThat(circular[i]).isCloseTo(expected[i], within(1e-15));
        }
    }

    @Test
    void selfComposedPmfKeepsAllButTheTruncatedMass() {
        PrivacyLossPmf pmf =
                PrivacyLossDistribution.sampledGaussian(1.0, 0.05, 1e-3).removePmf();
        PrivacyLossPmf composed = pmf.selfCompose(500, 1e-15);
        double total = composed.infinityMass();
        for (double p : composed.probabilities()) {
            total += p;
        }
        // Round-off in the one-step pmf (about 1e-15 per point) adds up over 500 steps.
        assertThat(total).isCloseTo(1.0, within(1e-9));
        // Far fewer points than the untruncated (size - 1)·500 + 1.
        assertThat((long) composed.size()).isLessThan((pmf.size() - 1L) * 500 / 10);
    }
}
