package org.cohort.coordinator.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.cohort.protocol.transfer.TransferEncoding;
import org.junit.jupiter.api.Test;

class TransferChecksTest {
    private static StudySpec spec(StudySpec.Transfer transfer, boolean secure) {
        var dataset = new StudySpec.Dataset(
                "csv", List.of(new StudySpec.Feature("age", 50.0, 10.0, null)), "outcome", null, null, null);
        return new StudySpec(
                null,
                null,
                null,
                dataset,
                null,
                3,
                null,
                null,
                null,
                null,
                secure ? new StudySpec.SecureAggregation(true, null, null, null, null) : null,
                null,
                null,
                transfer);
    }

    private static List<String> problems(StudySpec.Transfer transfer, boolean secure) {
        try {
            spec(transfer, secure).validate();
            return List.of();
        } catch (InvalidStudyException e) {
            return e.problems();
        }
    }

    @Test
    void defaultsToFloat32AndInt8ToBlocksOf256() {
        assertThat(StudySpec.Transfer.of(
                        spec(null, false).validate().withDefaults().transfer()))
                .isEqualTo(TransferEncoding.Float32.INSTANCE);
        var int8 = spec(new StudySpec.Transfer("INT8", null), false).validate().withDefaults();
        assertThat(int8.transfer()).isEqualTo(new StudySpec.Transfer("int8", 256));
        assertThat(StudySpec.Transfer.of(int8.transfer())).isEqualTo(new TransferEncoding.Int8Blocks(256));
        assertThat(StudySpec.Transfer.of(new StudySpec.Transfer("float16", null)))
                .isEqualTo(TransferEncoding.Float16.INSTANCE);
    }

    @Test
    void refusesAnUnknownEncoding() {
        assertThat(problems(new StudySpec.Transfer("bfloat16", null), false))
                .containsExactly("transfer.encoding must be 'float32', 'float16' or 'int8', not 'bfloat16'");
    }

    @Test
    void refusesABlockSizeThatIsNoPowerOfTwoInRange() {
        assertThat(problems(new StudySpec.Transfer("int8", 100), false))
                .singleElement()
                .asString()
                .contains("transfer.blockSize must be a power of two from 16 to 65536");
        assertThat(problems(new StudySpec.Transfer("int8", 1 << 17), false)).hasSize(1);
    }

    @Test
    void refusesABlockSizeForAFloatEncoding() {
        assertThat(problems(new StudySpec.Transfer("float16", 256), false))
                .singleElement()
                .asString()
                .contains("transfer.blockSize applies only to transfer.encoding 'int8'");
    }

    @Test
    void allowsACompactEncodingUnderSecureAggregationForModelDownloads() {
        assertThat(problems(new StudySpec.Transfer("int8", null), true)).isEmpty();
    }

    @Test
    void listsTransferProblemsWithTheOthers() {
        var bad = new StudySpec(
                null,
                null,
                null,
                null,
                0,
                3,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                new StudySpec.Transfer("int3", null));
        assertThatThrownBy(bad::validate)
                .isInstanceOfSatisfying(
                        InvalidStudyException.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).startsWith("transfer.encoding"))
                                .anySatisfy(p -> assertThat(p).startsWith("rounds")));
    }
}
