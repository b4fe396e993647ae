package io.transmog.engine.control;

import io.transmog.engine.Controls;
import io.transmog.engine.throttle.LoadThresholds;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlServerTest {
    @TempDir
    Path dir;
    private Controls controls;
    private ControlCommands commands;

    @BeforeEach
    void setUp() {
        controls = new Controls(1000, 0, 1500, LoadThresholds.none(), LoadThresholds.none());
        commands = new ControlCommands(controls, ControlCommandsTest::copying, "shop", "customers", null);
    }

    /** One command per connection, as `echo cmd | nc -U socket` sends it; reads until the server closes. */
    static String send(SocketAddress address, String text) throws IOException {
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            if (!text.endsWith("\n")) {
                channel.shutdownOutput(); // what nc -N does at the end of its input
            }
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (channel.read(buffer) >= 0) {
                if (!buffer.hasRemaining()) {
                    throw new AssertionError("answer too long");
                }
            }
            buffer.flip();
            return StandardCharsets.UTF_8.decode(buffer).toString();
        }
    }

    @Test
    void servesOnAUnixSocketOwnerOnlyAndRemovesItOnClose() throws Exception {
        Path socket = dir.resolve("t.sock");
        try (ControlServer server = ControlServer.start(commands, socket, null)) {
            assertThat(server.tcpPort()).isEqualTo(-1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
            assertThat(send(address, "chunk-size=500\n")).contains("chunk-size: 500;");
            assertThat(controls.chunkSize()).isEqualTo(500);
            assertThat(send(address, "chunk-size=?\n")).isEqualTo("500\n");
            // Without a trailing newline (printf cmd | nc -N) the end of the stream ends the command.
            assertThat(send(address, "chunk-size=?")).isEqualTo("500\n");
            assertThat(send(address, "status\n")).contains("# Serving on unix socket: " + socket);
            assertThat(send(address, "bogus\n")).isEqualTo("error: unknown command: bogus; try help\n");
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void servesOnTcpLoopbackWithAPickedPort() throws Exception {
        try (ControlServer server = ControlServer.start(commands, null, 0)) {
            assertThat(server.tcpPort()).isPositive();
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.tcpPort());
            assertThat(send(address, "throttle\n")).contains("# paused: true");
            assertThat(controls.paused()).isTrue();
            assertThat(send(address, "sup\n")).startsWith("Copy: 2500/10000");
        }
    }

    @Test
    void bothListenersAtOnceAndConcurrentClients() throws Exception {
        Path socket = dir.resolve("both.sock");
        try (ControlServer server = ControlServer.start(commands, socket, 0)) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<String>> answers = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    SocketAddress address = i % 2 == 0 ? UnixDomainSocketAddress.of(socket)
                            : new InetSocketAddress("127.0.0.1", server.tcpPort());
                    answers.add(pool.submit((Callable<String>) () -> send(address, "sup\n")));
                }
                for (Future<String> answer : answers) {
                    assertThat(answer.get()).startsWith("Copy: 2500/10000");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void overlongCommandIsRefused() throws Exception {
        try (ControlServer server = ControlServer.start(commands, null, 0)) {
            String huge = "max-load=" + "Threads_running=1,".repeat(2000) + "\n";
            String answer = send(new InetSocketAddress("127.0.0.1", server.tcpPort()), huge);
            assertThat(answer).isEqualTo("error: command longer than " + ControlServer.MAX_COMMAND_BYTES + " bytes\n");
            assertThat(controls.maxLoad().isEmpty()).isTrue();
        } catch (IOException resetBeforeAnswer) {
            // The server may close while the client still writes; then at least nothing changed.
            assertThat(controls.maxLoad().isEmpty()).isTrue();
        }
    }

    @Test
    void replacesAStaleSocketButNotALiveOneNorAPlainFile() throws Exception {
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        crashed.bind(UnixDomainSocketAddress.of(stale));
        crashed.close(); // the file stays, nobody listens: as after kill -9
        assertThat(stale).exists();
        try (ControlServer server = ControlServer.start(commands, stale, null)) {
            assertThat(send(UnixDomainSocketAddress.of(stale), "chunk-size=?\n")).isEqualTo("1000\n");

            assertThatThrownBy(() -> ControlServer.start(commands, stale, null))
                    .isInstanceOf(IOException.class).hasMessageContaining("in use by another process");
            // the refused second server must not have removed the live socket
            assertThat(send(UnixDomainSocketAddress.of(stale), "chunk-size=?\n")).isEqualTo("1000\n");
        }

        Path plain = dir.resolve("notes.txt");
        Files.writeString(plain, "keep me");
        assertThatThrownBy(() -> ControlServer.start(commands, plain, null))
                .isInstanceOf(IOException.class).hasMessageContaining("is not a socket");
        assertThat(Files.readString(plain)).isEqualTo("keep me");
    }

    @Test
    void aTakenTcpPortFailsAndLeavesNoSocketFileBehind() throws Exception {
        Path socket = dir.resolve("x.sock");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> ControlServer.start(commands, socket, taken.getLocalPort()))
                    .isInstanceOf(IOException.class).hasMessageContaining("cannot serve on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void aSilentClientDoesNotBlockOthers() throws Exception {
        try (ControlServer server = ControlServer.start(commands, null, 0)) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.tcpPort());
            try (SocketChannel silent = SocketChannel.open(address)) {
                assertThat(silent.isConnected()).isTrue();
                assertThat(send(address, "chunk-size=?\n")).isEqualTo("1000\n");
            }
        }
    }
}
