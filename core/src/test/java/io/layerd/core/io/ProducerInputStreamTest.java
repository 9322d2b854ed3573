package io.layerd.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

class ProducerInputStreamTest {
    @Test
    void deliversEveryByteInOrder() throws IOException {
        byte[] data = new byte[3 * (256 << 10) + 12345];
        new Random(7).nextBytes(data);
        try (InputStream in = new ProducerInputStream("test", out -> {
            for (int off = 0; off < data.length; off += 1000) {
                out.write(data, off, Math.min(1000, data.length - off));
            }
        })) {
            assertArrayEquals(data, in.readAllBytes());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void aProducerFailureReachesTheReaderAfterTheBytesBeforeIt() throws IOException {
        try (InputStream in = new ProducerInputStream("export", out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("the VM went away");
        })) {
            byte[] first = new byte[3];
            IOException e = assertThrows(IOException.class, () -> {
                int n = 0;
                while (n < 3) {
                    n += in.read(first, n, 3 - n);
                }
                in.read();
            });
            assertArrayEquals(new byte[] {1, 2, 3}, first);
            assertEquals("export: the VM went away", e.getMessage());
        }
    }

    @Test
    void closingEarlyStopsABlockedProducer() throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        InputStream in = new ProducerInputStream("endless", out -> {
            try {
                byte[] chunk = new byte[1 << 16];
                while (true) {
                    out.write(chunk); // blocks once the queue is full
                }
            } catch (IOException e) {
                interrupted.set(true);
                throw e;
            } finally {
                stopped.countDown();
            }
        });
        assertTrue(in.read(new byte[10]) > 0);
        in.close();
        assertTrue(stopped.await(10, TimeUnit.SECONDS), "the producer stopped");
        assertTrue(interrupted.get(), "its write failed once nobody read");
    }
}
