package io.chargebot.server.auth;

import io.chargebot.common.v1.ErrorReason;
import io.chargebot.server.error.ApiException;
import io.chargebot.server.error.FieldViolation;
import io.grpc.Status;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password policy (OWASP ASVS 5: 8..128 characters, no composition rules, not a common password)
 * and argon2id hashing (19 MiB, t=2, p=1) in PHC string form. Hashing is deliberately expensive,
 * so at most {@code chargebot.auth.max-concurrent-hashes} run at once (default: the CPU count);
 * callers beyond that wait up to 10 s and then get RESOURCE_EXHAUSTED instead of exhausting memory.
 */
@Singleton
public final class Passwords {

    static final int MIN_LENGTH = 8;
    static final int MAX_LENGTH = 128;
    private static final int MEMORY_KIB = 19 * 1024;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final String PREFIX = "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$";

    private final Set<String> commonPasswords;
    private final Semaphore permits;
    private final SecureRandom random = new SecureRandom();
    /** Hash compared against when an account does not exist, so timing does not tell. */
    private final String dummyHash;

    public Passwords(@Value("${chargebot.auth.max-concurrent-hashes:0}") int maxConcurrentHashes) {
        int permits = maxConcurrentHashes > 0 ? maxConcurrentHashes : Math.max(2, Runtime.getRuntime().availableProcessors());
        this.permits = new Semaphore(permits, true);
        this.commonPasswords = loadCommonPasswords();
        this.dummyHash = hash("dummy-password-for-timing-" + random.nextLong());
    }

    /** Throws INVALID_ARGUMENT / PASSWORD_POLICY naming {@code field} if {@code password} is not acceptable. */
    public void checkPolicy(String password, String field, String... personalWords) {
        int length = password.codePointCount(0, password.length());
        String problem = null;
        if (length < MIN_LENGTH) {
            problem = "must be at least " + MIN_LENGTH + " characters";
        } else if (length > MAX_LENGTH) {
            problem = "must be at most " + MAX_LENGTH + " characters";
        } else if (commonPasswords.contains(password.toLowerCase(Locale.ROOT))) {
            problem = "is too common; choose a less predictable password";
        } else {
            for (String word : personalWords) {
                if (word != null && word.length() >= 4 && password.equalsIgnoreCase(word)) {
                    problem = "must not be your login id, phone or e-mail";
                }
            }
        }
        if (problem != null) {
            throw new ApiException(Status.Code.INVALID_ARGUMENT, ErrorReason.PASSWORD_POLICY, field + ": " + problem,
                    List.of(new FieldViolation(field, problem)), Map.of(), null);
        }
    }

    /** A random 16-character password for generated local accounts (no look-alike characters). */
    public String generate() {
        String alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder out = new StringBuilder(16);
        for (int i = 0; i < 16; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    /** argon2id PHC string of {@code password} with a fresh salt. */
    public String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = withPermit(() -> argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM));
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * Whether {@code password} matches {@code phcHash}. A null hash (no such account, or no password)
     * costs the same time as a real check and returns false.
     */
    public boolean verify(String password, String phcHash) {
        String stored = phcHash == null ? dummyHash : phcHash;
        boolean matches;
        try {
            String[] parts = stored.split("\\$");
            // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
            if (parts.length != 6 || !parts[1].equals("argon2id")) {
                return false;
            }
            int memory = 0;
            int iterations = 0;
            int parallelism = 0;
            for (String kv : parts[3].split(",")) {
                int value = Integer.parseInt(kv.substring(2));
                switch (kv.charAt(0)) {
                    case 'm' -> memory = value;
                    case 't' -> iterations = value;
                    case 'p' -> parallelism = value;
                    default -> {
                        return false;
                    }
                }
            }
            Base64.Decoder b64 = Base64.getDecoder();
            byte[] salt = b64.decode(parts[4]);
            byte[] expected = b64.decode(parts[5]);
            int m = memory;
            int t = iterations;
            int p = parallelism;
            byte[] actual = withPermit(() -> argon2(password, salt, m, t, p, expected.length));
            matches = MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return phcHash != null && matches;
    }

    /** Whether a stored hash was made with weaker parameters than today's and should be re-hashed. */
    public boolean needsRehash(String phcHash) {
        return phcHash == null || !phcHash.startsWith(PREFIX);
    }

    private static byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism) {
        return argon2(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    }

    private static byte[] argon2(String password, byte[] salt, int memoryKib, int iterations, int parallelism,
                                 int length) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }

    private byte[] withPermit(java.util.function.Supplier<byte[]> work) {
        boolean acquired;
        try {
            acquired = permits.tryAcquire(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new ApiException(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.RATE_LIMITED,
                    "the server is busy; retry shortly", List.of(), Map.of(), java.time.Duration.ofSeconds(1));
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }

    private static Set<String> loadCommonPasswords() {
        Set<String> passwords = new HashSet<>(32_768);
        try (InputStream in = Passwords.class.getResourceAsStream("/auth/common-passwords.txt")) {
            if (in == null) {
                throw new IllegalStateException("auth/common-passwords.txt missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isEmpty() && line.charAt(0) != '#') {
                    passwords.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(passwords);
    }
}
