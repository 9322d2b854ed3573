package io.layerd.differ;

import io.layerd.core.content.ContentStore;

/**
 * Options of one Apply call. {@code content}: where this call's blob is read from (containerd
 * keeps content per namespace, so the store can differ from call to call). {@code syncFs}: flush
 * the file system before returning (1.7.14+).
 */
public record ApplyOptions(ContentStore content, boolean syncFs) {
}
