package org.cohort.coordinator.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.StreamSerializer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.nio.charset.StandardCharsets;
import org.cohort.crypto.seal.Sealer;

/**
 * Hazelcast's serializer for every {@link EncryptedInCluster} value: Java serialization, then
 * sealed with the cluster's key (derived from the CA, see {@code SiteCertificateAuthority.sealer})
 * and bound to the cluster name. What the maps hold, what backups copy to other members and what
 * crosses the cluster network (Hazelcast Community has no TLS) is ciphertext; bytes that were not
 * sealed by a replica with the same CA and cluster name fail to open instead of being read.
 */
final class EncryptingSerializer implements StreamSerializer<EncryptedInCluster> {
    /** Any positive id unused by other custom serializers ("Coh"). */
    static final int TYPE_ID = 0x436f68;
    /** Only Cohort's and the JDK's classes are ever built from what opened (defence in depth: it did authenticate). */
    private static final ObjectInputFilter COHORT_AND_JDK_ONLY =
            ObjectInputFilter.Config.createFilter("maxdepth=32;org.cohort.**;java.base/*;!*");

    private final Sealer sealer;
    private final byte[] context;

    EncryptingSerializer(Sealer sealer, String clusterName) {
        this.sealer = sealer;
        this.context = ("cohort cluster state/" + clusterName).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int getTypeId() {
        return TYPE_ID;
    }

    @Override
    public void write(ObjectDataOutput out, EncryptedInCluster value) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var objects = new ObjectOutputStream(bytes)) {
            objects.writeObject(value);
        }
        out.writeByteArray(sealer.seal(bytes.toByteArray(), context));
    }

    @Override
    public EncryptedInCluster read(ObjectDataInput in) throws IOException {
        byte[] plain = sealer.open(in.readByteArray(), context)
                .orElseThrow(() -> new HazelcastSerializationException(
                        "a value from the cluster does not open with this replica's key: every replica must use the same"
                                + " CA keystore (the shared data directory) and cluster name"));
        try (var objects = new CohortObjectInput(new ByteArrayInputStream(plain))) {
            return (EncryptedInCluster) objects.readObject();
        } catch (ClassNotFoundException | ClassCastException e) {
            throw new HazelcastSerializationException(
                    "a sealed cluster value holds an unknown type: are all replicas"
                            + " running the same Cohort version? " + e.getMessage(),
                    e);
        }
    }

    /** Resolves classes where Cohort's are (Spring Boot's jar loader), with the filter above. */
    private static final class CohortObjectInput extends ObjectInputStream {
        CohortObjectInput(InputStream in) throws IOException {
            super(in);
            setObjectInputFilter(COHORT_AND_JDK_ONLY);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass description) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(description.getName(), false, EncryptingSerializer.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                return super.resolveClass(description);
            }
        }
    }
}
