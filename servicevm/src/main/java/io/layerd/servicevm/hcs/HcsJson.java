package io.layerd.servicevm.hcs;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;

/** Writes HCS documents: keys in insertion order, no HTML escaping (kernel command lines are full of '='). */
final class HcsJson {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private HcsJson() {
    }

    static String write(JsonElement document) {
        return GSON.toJson(document);
    }
}
