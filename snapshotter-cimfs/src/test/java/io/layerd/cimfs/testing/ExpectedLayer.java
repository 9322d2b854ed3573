package io.layerd.cimfs.testing;

import io.layerd.cimfs.testing.WindowsLayerTarBuilder.Times;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a CIM should hold after importing the layers a {@link WindowsLayerTarBuilder} wrote:
 * paths compared as NTFS compares names (each UTF-16 unit upper-cased), the name's case as last
 * written (a directory written again keeps its first name and contents), hard links as one shared
 * {@link Node}, whiteouts removing a whole subtree.
 */
public final class ExpectedLayer {
    private final TreeMap<String, String> names = new TreeMap<>();   // key → path as written
    private final Map<String, Node> nodes = new HashMap<>();      // key → node

    public ExpectedLayer copy() {
        ExpectedLayer c = new ExpectedLayer();
        Map<Node, Node> copies = new java.util.IdentityHashMap<>();
        names.forEach((k, path) -> {
            c.names.put(k, path);
            c.nodes.put(k, copies.computeIfAbsent(nodes.get(k), Node::copy));
        });
        return c;
    }

    public static String key(String path) {
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            b.append(Character.toUpperCase(path.charAt(i)));
        }
        return b.toString();
    }

    void put(String path, Node n) {
        String k = key(path);
        Node old = nodes.get(k);
        if (old != null && old.directory && n.directory) {
            old.attributes = n.attributes;
            old.times = n.times;
            old.securityDescriptor = n.securityDescriptor;
            return;
        }
        remove(path);
        names.put(k, path);
        nodes.put(k, n);
    }

    /** Takes {@code path} and everything under it out of the model. */
    public void remove(String path) {
        String k = key(path);
        names.remove(k);
        nodes.remove(k);
        // Everything under k sorts between "k/" and "k0" ('0' follows '/'): no scan of the whole model.
        java.util.SortedMap<String, String> below = names.subMap(k + "/", k + "0");
        below.keySet().forEach(nodes::remove);
        below.clear();
    }

    public Node get(String path) {
        Node n = nodes.get(key(path));
        if (n == null) {
            throw new IllegalArgumentException("no expected entry " + path);
        }
        return n;
    }

    /** Every path (as last written) with its node, in key order. */
    public Map<String, Node> entries() {
        Map<String, Node> out = new LinkedHashMap<>();
        names.forEach((k, path) -> out.put(path, nodes.get(k)));
        return out;
    }

    /** One expected file, directory or link; {@code times} null when the tar carried none of Windows' own. */
    public static final class Node {
        final boolean directory;
        int attributes;
        Times times;
        byte[] securityDescriptor;
        final Map<String, byte[]> eas;
        final long size;
        final String sha256;
        final String linkTarget;
        final boolean mountPoint;
        final Map<String, String> streams = new TreeMap<>();

        private Node(boolean directory, int attributes, Times times, byte[] sd, Map<String, byte[]> eas, long size, String sha256,
                     String linkTarget, boolean mountPoint) {
            this.directory = directory;
            this.attributes = attributes;
            this.times = times;
            this.securityDescriptor = sd;
            this.eas = new TreeMap<>(eas);
            this.size = size;
            this.sha256 = sha256;
            this.linkTarget = linkTarget;
            this.mountPoint = mountPoint;
        }

        static Node directory(int attributes, Times t, byte[] sd) {
            return new Node(true, attributes, t, sd, Map.of(), 0, null, null, false);
        }

        static Node file(int attributes, Times t, byte[] sd, Map<String, byte[]> eas, long size, String sha256) {
            return new Node(false, attributes, t, sd, eas, size, sha256, null, false);
        }

        static Node link(int attributes, Times t, byte[] sd, String target, boolean mountPoint) {
            return new Node(false, attributes, t, sd, Map.of(), 0, null, target, mountPoint);
        }

        Node copy() {
            Node n = new Node(directory, attributes, times, securityDescriptor, eas, size, sha256, linkTarget, mountPoint);
            n.streams.putAll(streams);
            return n;
        }

        public boolean directory() {
            return directory;
        }

        public int attributes() {
            return attributes;
        }

        public Times times() {
            return times;
        }

        public byte[] securityDescriptor() {
            return securityDescriptor;
        }

        public Map<String, byte[]> eas() {
            return eas;
        }

        public long size() {
            return size;
        }

        public String sha256() {
            return sha256;
        }

        public String linkTarget() {
            return linkTarget;
        }

        public boolean mountPoint() {
            return mountPoint;
        }

        public Map<String, String> streams() {
            return streams;
        }
    }
}
