package io.transmog.engine.control;

import io.transmog.engine.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@link ControlCommands} the way gh-ost serves its interactive commands: on a
 * unix socket ({@code --serve-socket-file}) and/or a TCP port on 127.0.0.1
 * ({@code --serve-tcp-port}). Each connection carries one command line and gets its
 * answer, then the server closes it, so {@code echo sup | nc -U /tmp/t.sock} returns
 * at once. The socket file is made owner-only and removed on {@link #close()}; a stale
 * one left by a crashed run is replaced, a live one or a non-socket file is not.
 */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final int MAX_COMMAND_BYTES = 16 * 1024;
    private static final long CLIENT_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_CONCURRENT_CLIENTS = 8;
    /** S_IFMT and S_IFSOCK of stat(2). */
    private static final int FILE_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    private final ControlCommands commands;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final ThreadPoolExecutor clients;
    private final ScheduledExecutorService timeouts;
    private Path socketFile;
    private int tcpPort = -1;
    private volatile boolean closed;

    private ControlServer(ControlCommands commands) {
        this.commands = commands;
        this.clients = new ThreadPoolExecutor(0, MAX_CONCURRENT_CLIENTS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                DaemonThreads.named("transmog-control-client"));
        this.timeouts = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("transmog-control-timeout"));
    }

    /**
     * Starts serving; {@code socketFile} and {@code tcpPort} may each be null (not served).
     * Port 0 picks a free port (see {@link #tcpPort()}). Throws, having opened nothing,
     * when a listener cannot be set up.
     */
    public static ControlServer start(ControlCommands commands, Path socketFile, Integer tcpPort) throws IOException {
        ControlServer server = new ControlServer(commands);
        try {
            if (socketFile != null) {
                server.bindSocketFile(socketFile);
            }
            if (tcpPort != null) {
                server.bindTcp(tcpPort);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        server.listeners.forEach(server::accept);
        return server;
    }

    /** The bound TCP port, or -1 when none is served. */
    public int tcpPort() {
        return tcpPort;
    }

    /** The socket file served, or null. */
    public Path socketFile() {
        return socketFile;
    }

    public ControlCommands commands() {
        return commands;
    }

    private void bindSocketFile(Path requested) throws IOException {
        Path path = requested.toAbsolutePath();
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!isSocket(path)) {
                throw new IOException("--serve-socket-file " + path + " exists and is not a socket; refusing to replace it");
            }
            if (someoneListens(path)) {
                throw new IOException("--serve-socket-file " + path + " is in use by another process (another migration?)");
            }
            Files.delete(path); // left by a run that did not shut down cleanly
            LOG.info("removed stale control socket {}", path);
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException("cannot serve on unix socket " + path + ": " + e.getMessage(), e);
        }
        socketFile = path;
        listeners.add(channel);
        try {
            // The socket can pause or cancel the migration: only its owner may connect.
            Files.setPosixFilePermissions(path, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: the directory's permissions are all there is
        }
        commands.servingOn("unix socket: " + path);
        LOG.info("serving interactive commands on unix socket {}", path);
    }

    private void bindTcp(int port) throws IOException {
        if (port < 0 || port > 65_535) {
            throw new IOException("--serve-tcp-port " + port + " is not a port number");
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            channel.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot serve on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        tcpPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        listeners.add(channel);
        commands.servingOn("tcp port: 127.0.0.1:" + tcpPort);
        LOG.info("serving interactive commands on 127.0.0.1:{}", tcpPort);
    }

    private void accept(ServerSocketChannel listener) {
        Thread acceptor = new Thread(() -> {
            while (!closed) {
                SocketChannel client;
                try {
                    client = listener.accept();
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    if (!closed) {
                        LOG.warn("control server: accept failed: {}", e.getMessage());
                    }
                    return;
                }
                try {
                    clients.execute(() -> serve(client));
                } catch (RejectedExecutionException busy) {
                    answerAndClose(client, "error: too many concurrent control connections; try again\n");
                }
            }
        }, "transmog-control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        acceptors.add(acceptor);
    }

    private void serve(SocketChannel client) {
        ScheduledFuture<?> timeout = timeouts.schedule(() -> closeQuietly(client), CLIENT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        try {
            String line = readLine(Channels.newInputStream(client));
            if (line == null) {
                closeQuietly(client);
                return;
            }
            String shown = line.strip();
            LOG.info("control command: {}", shown.length() > 200 ? shown.substring(0, 200) + "…" : shown);
            answerAndClose(client, commands.execute(line));
        } catch (CommandTooLongException e) {
            answerAndClose(client, "error: command longer than " + MAX_COMMAND_BYTES + " bytes\n");
        } catch (IOException e) {
            closeQuietly(client); // client went away or timed out
        } catch (RuntimeException e) {
            LOG.warn("control command failed: {}", e.toString());
            answerAndClose(client, "error: " + e + "\n");
        } finally {
            timeout.cancel(false);
        }
    }

    static final class CommandTooLongException extends IOException {
        CommandTooLongException() {
            super("command longer than " + MAX_COMMAND_BYTES + " bytes");
        }
    }

    /**
     * Reads up to the first newline (or the end of the stream); null when the client sent
     * nothing. A line longer than {@link #MAX_COMMAND_BYTES} is refused.
     */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[512];
        boolean any = false;
        while (true) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            any = true;
            int newline = -1;
            for (int i = 0; i < n; i++) {
                if (buffer[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int take = newline < 0 ? n : newline;
            if (line.size() + take > MAX_COMMAND_BYTES) {
                throw new CommandTooLongException();
            }
            line.write(buffer, 0, take);
            if (newline >= 0) {
                break;
            }
        }
        if (!any) {
            return null;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static void answerAndClose(SocketChannel client, String answer) {
        try (client) {
            OutputStream out = Channels.newOutputStream(client);
            out.write(answer.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException ignored) {
            // the client did not wait for the answer
        }
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static boolean isSocket(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return ((Integer) mode & FILE_TYPE_MASK) == SOCKET_TYPE;
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isSymbolicLink(path);
        }
    }

    private static boolean someoneListens(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }


    /** Stops serving and removes the socket file. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServerSocketChannel listener : listeners) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        clients.shutdownNow();
        timeouts.shutdownNow();
        for (Thread acceptor : acceptors) {
            try {
                acceptor.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (socketFile != null) {
            try {
                Files.deleteIfExists(socketFile);
            } catch (IOException e) {
                LOG.warn("could not remove control socket {}: {}", socketFile, e.getMessage());
            }
        }
    }
}
