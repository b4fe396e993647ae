package io.transmog.engine.db;

import io.transmog.engine.MigrationException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The PEM files of {@link TlsSettings}, loaded once per process: as an {@link SSLContext} for the binlog stream, and
 * as PKCS#12 stores in a private temporary directory for Connector/J, which reads key stores, not PEM files. The
 * stores' password is random per process; they hold nothing the PEM files do not.
 */
public final class TlsMaterial {
    private static final Map<TlsSettings, TlsMaterial> LOADED = new ConcurrentHashMap<>();

    private final TlsSettings settings;
    private final SSLContext context;
    private final Optional<Path> trustStore;
    private final Optional<Path> keyStore;
    private final String storePassword;

    private TlsMaterial(TlsSettings settings) {
        this.settings = settings;
        try {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            this.storePassword = HexFormat.of().formatHex(random);
            KeyStore trust = settings.ca().isPresent() ? trustStoreOf(settings.ca().get()) : null;
            KeyStore keys = settings.clientCertificate().isPresent()
                    ? keyStoreOf(settings.clientCertificate().get(), settings.clientKey().orElseThrow()) : null;
            Path directory = trust == null && keys == null ? null : privateDirectory();
            this.trustStore = trust == null ? Optional.empty() : Optional.of(write(trust, directory.resolve("trust.p12")));
            this.keyStore = keys == null ? Optional.empty() : Optional.of(write(keys, directory.resolve("client.p12")));
            this.context = sslContext(trust, keys);
        } catch (IOException | GeneralSecurityException e) {
            throw new MigrationException("cannot load the TLS certificates and keys (" + settings.ca().map(Path::toString).orElse("")
                    + " " + settings.clientCertificate().map(Path::toString).orElse("") + "): " + e.getMessage(), e);
        }
    }

    public static TlsMaterial of(TlsSettings settings) {
        return LOADED.computeIfAbsent(settings, TlsMaterial::new);
    }

    /** Connector/J's TLS properties for these settings. */
    public void applyTo(Properties properties) {
        properties.setProperty("sslMode", settings.mode().name());
        if (!settings.enabled()) {
            return;
        }
        trustStore.ifPresent(store -> {
            properties.setProperty("trustCertificateKeyStoreUrl", store.toUri().toString());
            properties.setProperty("trustCertificateKeyStoreType", "PKCS12");
            properties.setProperty("trustCertificateKeyStorePassword", storePassword);
            // The CA given is the only one trusted, not the JVM's defaults as well.
            properties.setProperty("fallbackToSystemTrustStore", "false");
        });
        keyStore.ifPresent(store -> {
            properties.setProperty("clientCertificateKeyStoreUrl", store.toUri().toString());
            properties.setProperty("clientCertificateKeyStoreType", "PKCS12");
            properties.setProperty("clientCertificateKeyStorePassword", storePassword);
            properties.setProperty("fallbackToSystemKeyStore", "false");
        });
    }

    /** The binlog client's TLS: the same trust and client key as JDBC; it checks the host name itself in VERIFY_IDENTITY. */
    public SSLContext sslContext() {
        return context;
    }

    private SSLContext sslContext(KeyStore trust, KeyStore keys) throws GeneralSecurityException {
        SSLContext sslContext = SSLContext.getInstance("TLS");
        TrustManager[] trustManagers;
        if (settings.mode() == TlsSettings.Mode.REQUIRED) {
            trustManagers = new TrustManager[] {new TrustingEveryServer()};
        } else {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            trustManagers = factory.getTrustManagers();
        }
        KeyManagerFactory keyManagers = null;
        if (keys != null) {
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, storePassword.toCharArray());
        }
        sslContext.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers, new SecureRandom());
        return sslContext;
    }

    private static KeyStore trustStoreOf(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates(caFile)) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        if (i == 0) {
            throw new GeneralSecurityException("no certificate in " + caFile);
        }
        return store;
    }

    private KeyStore keyStoreOf(Path certificateFile, Path keyFile) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        List<Certificate> chain = certificates(certificateFile);
        store.setKeyEntry("client", privateKey(keyFile), storePassword.toCharArray(), chain.toArray(Certificate[]::new));
        return store;
    }

    private static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    /** An unencrypted PKCS#8 PEM key ("BEGIN PRIVATE KEY"), RSA or EC. */
    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new GeneralSecurityException(file + " is not an unencrypted PKCS#8 key (BEGIN PRIVATE KEY): convert it with"
                    + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        String base64 = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27, pem.indexOf("-----END PRIVATE KEY-----"))
                .replaceAll("\\s", "");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
        GeneralSecurityException last = null;
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    private static Path privateDirectory() throws IOException {
        Path directory = Files.createTempDirectory("transmog-tls-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        directory.toFile().deleteOnExit();
        return directory;
    }

    private Path write(KeyStore store, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, storePassword.toCharArray());
        }
        file.toFile().deleteOnExit();
        return file;
    }

    /** --ssl-allow-insecure: the connection is encrypted, the server is taken on trust, as the user asked. */
    private static final class TrustingEveryServer implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
