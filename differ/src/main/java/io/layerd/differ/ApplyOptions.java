package io.layerd.differ;

/** Options of one Apply call. {@code syncFs}: flush the file system before returning (1.7.14+). */
public record ApplyOptions(boolean syncFs) {
}
