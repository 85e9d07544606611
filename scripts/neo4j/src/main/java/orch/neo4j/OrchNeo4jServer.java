package orch.neo4j;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;

/**
 * A throwaway Neo4j (community, embedded) for orch's integration tests: Bolt on loopback only,
 * authentication on, no HTTP.
 *
 * <pre>
 * java -jar orch-neo4j-server.jar --home DIR [--port 7687] [--password PW] [--pagecache 1g] [--conf FILE]
 * </pre>
 *
 * Port, password, page cache and an extra settings file may also come from ORCH_NEO4J_PORT /
 * ORCH_NEO4J_PASSWORD / ORCH_NEO4J_PAGECACHE / ORCH_NEO4J_CONF; the environment is preferred for
 * the password because arguments show up in `ps`.
 */
public final class OrchNeo4jServer {
    /** Printed once Bolt completed a handshake; neo4j-server.sh waits for this prefix. */
    static final String READY = "ORCH_NEO4J_READY";

    static final String USER = "neo4j";
    static final String DEFAULT_PASSWORD = "orch-test-password";
    static final int DEFAULT_PORT = 7687;
    static final String HOST = "127.0.0.1";
    static final String DEFAULT_PAGECACHE = "1g";

    private OrchNeo4jServer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        Path home = Path.of(require(opts, "home")).toAbsolutePath();
        int port = Integer.parseInt(option(opts, "port", "ORCH_NEO4J_PORT", String.valueOf(DEFAULT_PORT)));
        String password = option(opts, "password", "ORCH_NEO4J_PASSWORD", DEFAULT_PASSWORD);

        String pagecache = option(opts, "pagecache", "ORCH_NEO4J_PAGECACHE", DEFAULT_PAGECACHE);
        String conf = option(opts, "conf", "ORCH_NEO4J_CONF", "");

        long t0 = System.nanoTime();
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                // Embedded mode never starts these, but say so explicitly in case a future
                // version does: tests must expose nothing but Bolt on loopback.
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                // Bolt otherwise waits 5 s for its threads and 5 s more for connections when
                // stopping, after the databases are already closed: 10 s of every test session.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Large enough for a sympy-sized store (~450 MB): at 256 MiB, indexing it evicted
                // and re-read pages. Muninn allocates as pages are used, so small stores stay small.
                .setConfig(GraphDatabaseSettings.pagecache_memory, SettingValueParsers.BYTES.parse(pagecache))
                // Transaction logs are kept only as long as recovery needs them, and checkpoints
                // (which prune them) come every 5 minutes instead of 15: the default keeps two
                // days of logs, and indexing sympy writes ~6 MB/s of them (a bench server's
                // state directory had reached 38 GB).
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(GraphDatabaseSettings.check_point_interval_time, Duration.ofMinutes(5))
                // The pom already excludes neo4j-udc; this keeps usage reporting off even if a
                // version bump brings it back through another path.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseInternalSettings.udc_network_enabled, false);
        if (!conf.isEmpty()) {
            // Settings a user wants on top of these (neo4j.conf syntax); they win over the above.
            builder.loadPropertiesFromFile(Path.of(conf));
        }
        DatabaseManagementService dbms = builder.build();
        long dbmsMs = (System.nanoTime() - t0) / 1_000_000;

        CountDownLatch stopped = new CountDownLatch(1);
        // The JVM runs shutdown hooks on SIGTERM/SIGINT; a clean shutdown flushes the store so
        // the next start does not need recovery.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("orch-neo4j: shutting down");
            dbms.shutdown();
            stopped.countDown();
        }, "orch-neo4j-shutdown"));

        try {
            setPassword(dbms, password);
            awaitBoltHandshake(port, 30_000);
        } catch (RuntimeException | InterruptedException e) {
            // Neo4j's own threads would keep the JVM alive without a "ready" line; exiting runs
            // the shutdown hook, so the caller sees a dead process and the log, not a timeout.
            e.printStackTrace();
            System.exit(1);
        }

        System.out.printf("%s bolt://%s:%d user=%s auth=enabled startup_ms=%d dbms_ms=%d%n",
                READY, HOST, port, USER, (System.nanoTime() - t0) / 1_000_000, dbmsMs);
        System.out.flush();
        stopped.await();
    }

    /**
     * Embedded Neo4j creates user neo4j with password "neo4j" and "change required". Embedded
     * transactions run with full privileges, so we can set the real password on the system
     * database directly. Running it on every start also resets a password changed by a test.
     */
    static void setPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        String alter = "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED";
        try {
            system.executeTransactionally(alter, Map.of("password", password));
        } catch (QueryExecutionException e) {
            // Restarting on an existing store with the same password: Neo4j refuses to "change"
            // a password to itself. Anything else is a real failure.
            String msg = String.valueOf(e.getMessage());
            if (!msg.contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    /**
     * The server is only ready for clients once Bolt negotiates a protocol version, which is a
     * stronger signal than an open port.
     */
    static void awaitBoltHandshake(int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        IOException last = null;
        while (System.currentTimeMillis() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 1000);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                // Magic preamble, then four proposals: 5.x, 4.4, 4.3, none.
                out.write(new byte[] {
                    0x60, 0x60, (byte) 0xB0, 0x17,
                    0, 0, 0, 5,
                    0, 0, 4, 4,
                    0, 0, 3, 4,
                    0, 0, 0, 0});
                out.flush();
                byte[] reply = s.getInputStream().readNBytes(4);
                if (reply.length == 4 && (reply[0] | reply[1] | reply[2] | reply[3]) != 0) {
                    return;
                }
                last = new IOException("Bolt handshake returned no agreed version");
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Bolt did not answer on " + HOST + ":" + port, last);
    }

    private static Map<String, String> parseArgs(String[] args) {
        var opts = new java.util.HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument: " + a);
            }
            opts.put(a.substring(2), args[++i]);
        }
        return opts;
    }

    private static String option(Map<String, String> opts, String name, String env, String dflt) {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? dflt : v;
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null || v.isEmpty()) {
            usage("missing --" + name);
        }
        return v;
    }

    private static void usage(String problem) {
        System.err.println("orch-neo4j: " + problem);
        System.err.println("usage: java -jar orch-neo4j-server.jar --home DIR [--port N] [--password PW] [--pagecache SIZE] [--conf FILE]");
        System.exit(2);
    }
}
