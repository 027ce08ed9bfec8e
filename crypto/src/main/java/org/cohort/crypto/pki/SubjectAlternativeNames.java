package org.cohort.crypto.pki;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.util.IPAddress;

/**
 * The host names and IP addresses a TLS server certificate is valid for, normalised so that the
 * same list always compares equal (case, order, duplicates and IPv6 spelling do not matter).
 */
record SubjectAlternativeNames(Set<String> dnsNames, Set<String> ipAddresses) {

    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    SubjectAlternativeNames {
        dnsNames = Set.copyOf(dnsNames);
        ipAddresses = Set.copyOf(ipAddresses);
    }

    /** Sorts each entry into DNS name or IP literal; never resolves anything over the network. */
    static SubjectAlternativeNames parse(List<String> hostNamesAndIps) {
        if (hostNamesAndIps == null || hostNamesAndIps.isEmpty()) {
            throw new IllegalArgumentException(
                    "The coordinator's TLS certificate needs at least one host name or IP address"
                            + " that agents will dial, e.g. [\"coordinator.hospital-net.org\", \"10.0.0.5\"]");
        }
        Set<String> dns = new LinkedHashSet<>();
        Set<String> ips = new LinkedHashSet<>();
        for (String entry : hostNamesAndIps) {
            String value = entry == null ? "" : entry.strip();
            if (value.startsWith("[") && value.endsWith("]")) {
                value = value.substring(1, value.length() - 1);
            }
            if (IPAddress.isValid(value)) {
                ips.add(canonicalIp(value));
            } else {
                String name = value.toLowerCase(Locale.ROOT);
                if (name.endsWith(".")) {
                    name = name.substring(0, name.length() - 1);
                }
                if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("'" + entry + "' is neither a DNS host name nor an IP address;"
                            + " list the names and addresses agents use to reach the coordinator");
                }
                dns.add(name);
            }
        }
        return new SubjectAlternativeNames(dns, ips);
    }

    /** The SANs of an existing certificate, normalised the same way. */
    static SubjectAlternativeNames of(X509Certificate certificate) {
        Set<String> dns = new LinkedHashSet<>();
        Set<String> ips = new LinkedHashSet<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    int type = (Integer) name.get(0);
                    if (type == GeneralName.dNSName) {
                        dns.add(((String) name.get(1)).toLowerCase(Locale.ROOT));
                    } else if (type == GeneralName.iPAddress) {
                        ips.add(canonicalIp((String) name.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalStateException("Stored TLS certificate has unreadable subject alternative names", e);
        }
        return new SubjectAlternativeNames(dns, ips);
    }

    List<GeneralName> toGeneralNames() {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.stream().sorted().forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
        ipAddresses.stream()
                .sorted()
                .forEach(ip -> names.add(new GeneralName(
                        GeneralName.iPAddress, new DEROctetString(address(ip).getAddress()))));
        return names;
    }

    /** DNS names first, then IPs, each sorted: a stable form for display. */
    List<String> asList() {
        List<String> all = new ArrayList<>(dnsNames.stream().sorted().toList());
        all.addAll(ipAddresses.stream().sorted().toList());
        return List.copyOf(all);
    }

    private static String canonicalIp(String literal) {
        return address(literal).getHostAddress();
    }

    private static InetAddress address(String literal) {
        try {
            // getByName only parses a literal; the guard keeps anything else from reaching DNS.
            if (!IPAddress.isValid(literal)) {
                throw new UnknownHostException(literal);
            }
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + literal + "' is not a valid IP address", e);
        }
    }
}
