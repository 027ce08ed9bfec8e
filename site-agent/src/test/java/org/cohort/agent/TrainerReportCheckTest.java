package org.cohort.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The agent's check of its own trainer's answer, before anything is charged or sent: a report that
 * claims less noise, more steps, another clip norm or sampling rate, or an update of another size,
 * layout or with non-finite values is refused with a reason the site's ledger records.
 */
class TrainerReportCheckTest {
    private static final int ROWS = 200;
    private final Trainer.Job job = TrainerJobs.job(TrainerJobs.mlp(), TrainerJobs.data(ROWS, 1), TrainerJobs.dp(ROWS));
    private final List<DenseLayout.Tensor> layout =
            DenseLayout.of(TrainerJobs.mlp()).orElseThrow().tensors();
    private final Trainer.Result honest = new Dl4jTrainer().train(job);

    private java.util.Optional<String> check(UnaryOperator<Trainer.Result> lie) {
        return TrainerReportCheck.problem(job, layout, lie.apply(honest));
    }

    private static Trainer.Result withPrivacy(Trainer.Result r, Trainer.PrivacyReport p) {
        return new Trainer.Result(r.delta(), r.tensors(), r.examples(), r.meanLoss(), p);
    }

    @Test
    void theInProcessTrainersHonestAnswerPasses() {
        assertThat(honest.tensors()).isEqualTo(layout);
        assertThat(TrainerReportCheck.problem(job, layout, honest)).isEmpty();
        assertThat(honest.privacy().steps()).isEqualTo(job.dp().steps());
    }

    @Test
    void aNoiseMultiplierBelowThePlansIsRefused() {
        var p = honest.privacy();
        assertThat(check(r -> withPrivacy(
                        r,
                        new Trainer.PrivacyReport(
                                p.steps(), p.samplingRate(), p.noiseMultiplier() * 0.99, p.clipNorm(), p.noise()))))
                .hasValueSatisfying(why -> assertThat(why).contains("noise multiplier", "below"));
        // More noise than planned is no harm: charged as planned.
        assertThat(check(r -> withPrivacy(
                        r,
                        new Trainer.PrivacyReport(
                                p.steps(), p.samplingRate(), p.noiseMultiplier() * 2, p.clipNorm(), p.noise()))))
                .isEmpty();
    }

    @Test
    void moreStepsThanPlannedAreRefused() {
        var p = honest.privacy();
        assertThat(check(r -> withPrivacy(
                        r,
                        new Trainer.PrivacyReport(
                                p.steps() + 1, p.samplingRate(), p.noiseMultiplier(), p.clipNorm(), p.noise()))))
                .hasValueSatisfying(why ->
                        assertThat(why).contains("more than the " + job.dp().steps()));
    }

    @Test
    void anotherClipNormOrSamplingRateIsRefused() {
        var p = honest.privacy();
        assertThat(check(r -> withPrivacy(
                        r,
                        new Trainer.PrivacyReport(
                                p.steps(), p.samplingRate(), p.noiseMultiplier(), p.clipNorm() * 0.5, p.noise()))))
                .hasValueSatisfying(why -> assertThat(why).contains("clip norm"));
        assertThat(check(r -> withPrivacy(
                        r,
                        new Trainer.PrivacyReport(
                                p.steps(), p.samplingRate() * 1.5, p.noiseMultiplier(), p.clipNorm(), p.noise()))))
                .hasValueSatisfying(why -> assertThat(why).contains("sampling rate"));
        assertThat(check(r -> withPrivacy(r, null)))
                .hasValueSatisfying(why -> assertThat(why).contains("no privacy report"));
    }

    @Test
    void anUpdateOfAnotherSizeOrLayoutIsRefused() {
        assertThat(check(r -> new Trainer.Result(
                        java.util.Arrays.copyOf(r.delta(), r.delta().length - 1),
                        r.tensors(),
                        r.examples(),
                        r.meanLoss(),
                        r.privacy())))
                .hasValueSatisfying(why -> assertThat(why).contains("values where the model has"));
        var shuffled = new ArrayList<>(layout);
        java.util.Collections.swap(shuffled, 0, 1);
        assertThat(check(r -> new Trainer.Result(r.delta(), shuffled, r.examples(), r.meanLoss(), r.privacy())))
                .hasValueSatisfying(why -> assertThat(why).contains("laid out as"));
        assertThat(check(r -> new Trainer.Result(r.delta(), r.tensors(), r.examples() + 1, r.meanLoss(), r.privacy())))
                .hasValueSatisfying(why -> assertThat(why).contains("rows where it was given"));
    }

    @Test
    void nonFiniteValuesAreRefused() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThat(check(r -> {
                        float[] d = r.delta().clone();
                        d[3] = bad;
                        return new Trainer.Result(d, r.tensors(), r.examples(), r.meanLoss(), r.privacy());
                    }))
                    .hasValueSatisfying(why -> assertThat(why).contains("non-finite"));
        }
    }

    @Test
    void theLayoutIsDl4jsFlatOrderAsPyTorchNamesIt() {
        var dense = DenseLayout.of(TrainerJobs.mlp()).orElseThrow();
        assertThat(dense.layers())
                .containsExactly(
                        new DenseLayout.Dense(TrainerJobs.FEATURES, 8, "relu"), new DenseLayout.Dense(8, 2, "softmax"));
        assertThat(dense.tensors().get(0)).isEqualTo(new DenseLayout.Tensor("layers.0.weight", List.of(8L, 6L)));
        assertThat(dense.numParameters()).isEqualTo(job.global().length);
        // DL4J's weights [inputs, outputs] column-major are PyTorch's [outputs, inputs] row-major: check the bytes
        // by computing the network's output by hand from the flat vector.
        var net = new org.cohort.learning.model.ModelSpec(TrainerJobs.mlp()).newNetwork();
        org.cohort.learning.model.ParameterVectors.write(net, job.global());
        float[] x = job.train().features()[0];
        float[] w = job.global();
        double[] hidden = new double[8];
        for (int o = 0; o < 8; o++) {
            double z = w[6 * 8 + o];
            for (int i = 0; i < 6; i++) {
                z += w[o * 6 + i] * x[i];
            }
            hidden[o] = Math.max(0, z);
        }
        int base = 6 * 8 + 8;
        double[] logits = new double[2];
        for (int o = 0; o < 2; o++) {
            logits[o] = w[base + 8 * 2 + o];
            for (int i = 0; i < 8; i++) {
                logits[o] += w[base + o * 8 + i] * hidden[i];
            }
        }
        double p1 = 1 / (1 + Math.exp(logits[0] - logits[1]));
        double dl4j = net.output(org.nd4j.linalg.factory.Nd4j.createFromArray(new float[][] {x}))
                .getDouble(0, 1);
        assertThat(dl4j).isCloseTo(p1, org.assertj.core.api.Assertions.within(1e-5));
    }
}
