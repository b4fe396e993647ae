package io.transmog.operator.kube;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A database outage on demand: a TCP relay on a port of its own to the real server. Until {@link #open} and after
 * {@link #cut}, connecting to the port is refused; {@link #cut} also resets every connection it carries, as a
 * restarting server or a broken network does to the engine's copy, apply and binlog connections.
 */
final class TcpRelay implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    TcpRelay(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts accepting on {@link #port} and relaying to the target. */
    synchronized void open() {
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = listening;
            daemon("relay-accept-" + port, () -> accept(listening));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + port, e);
        }
    }

    /** Stops accepting and resets every relayed connection. */
    synchronized void cut() {
        ServerSocket listening = server;
        server = null;
        closeQuietly(listening);
        sockets.forEach(socket -> {
            try {
                socket.setSoLinger(true, 0); // a reset, not an orderly end
            } catch (IOException e) {
                // already closed
            }
            closeQuietly(socket);
        });
        sockets.clear();
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                daemon("relay-up-" + port, () -> pump(client, upstream));
                daemon("relay-down-" + port, () -> pump(upstream, client));
            } catch (IOException e) {
                return; // closed by cut()
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0;) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: the other goes too
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void daemon(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
