package io.layerd.lcow.ext4;

/**
 * The image would be larger than the configured maximum disk size. Kept apart from other
 * {@link Ext4Exception}s because the input is fine: the limit, not the layer, is the problem.
 */
public final class Ext4SizeLimitException extends Ext4Exception {
    public Ext4SizeLimitException(String message) {
        super(message);
    }
}
