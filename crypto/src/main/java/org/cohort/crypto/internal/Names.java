package org.cohort.crypto.internal;

import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Distinguished names: Cohort names every subject by a single common name. */
public final class Names {

    /** RFC 5280 upper bound (ub-common-name) for a CN. */
    public static final int MAX_COMMON_NAME = 64;

    private Names() {}

    /** A DN holding only {@code CN=commonName}, escaped properly whatever characters it has. */
    public static X500Name commonName(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    /** The single CN of the certificate's subject. */
    public static String commonNameOf(X509Certificate certificate) {
        X500Name subject =
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        RDN[] names = subject.getRDNs(BCStyle.CN);
        if (names.length != 1 || names[0].isMultiValued()) {
            throw new IllegalArgumentException("Certificate subject '" + certificate.getSubjectX500Principal()
                    + "' does not have exactly one common name (CN); it was not issued by a Cohort CA");
        }
        ASN1Encodable value = names[0].getFirst().getValue();
        if (!(value instanceof ASN1String text)) {
            throw new IllegalArgumentException(
                    "Certificate common name is not a string: " + certificate.getSubjectX500Principal());
        }
        return text.getString();
    }
}
