package io.layerd.servicevm.hcs;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScsiModifyRequestTest {
    private static final String CONTROLLER = "df6d0690-79e5-55b6-a5ec-c1e2f77f580a";

    @Test
    void addAttachesAVirtualDiskAtControllerAndLun() {
        ScsiModifyRequest add = ScsiModifyRequest.add(CONTROLLER, 3, Path.of("/var/lib/layerd/snapshots/7/layer.vhd"), true);
        JsonObject json = JsonParser.parseString(add.toJson()).getAsJsonObject();

        assertEquals(List.of("ResourcePath", "RequestType", "Settings"), List.copyOf(json.keySet()));
        assertEquals("VirtualMachine/Devices/Scsi/df6d0690-79e5-55b6-a5ec-c1e2f77f580a/Attachments/3",
                json.get("ResourcePath").getAsString());
        assertEquals("Add", json.get("RequestType").getAsString());
        JsonObject settings = json.getAsJsonObject("Settings");
        assertEquals(List.of("Type", "Path", "ReadOnly"), List.copyOf(settings.keySet()));
        assertEquals("VirtualDisk", settings.get("Type").getAsString());
        assertEquals("/var/lib/layerd/snapshots/7/layer.vhd", settings.get("Path").getAsString());
        assertTrue(settings.get("ReadOnly").getAsBoolean());
        assertEquals(add.resourcePath(), json.get("ResourcePath").getAsString());
    }

    @Test
    void writableDiskSaysSo() {
        JsonObject json = JsonParser.parseString(ScsiModifyRequest.add(CONTROLLER, 0, Path.of("/s/sandbox.vhdx"), false).toJson())
                .getAsJsonObject();

        assertFalse(json.getAsJsonObject("Settings").get("ReadOnly").getAsBoolean());
        assertTrue(json.get("ResourcePath").getAsString().endsWith("/Attachments/0"));
    }

    @Test
    void removeNamesTheSameResourceWithoutSettings() {
        JsonObject json = JsonParser.parseString(ScsiModifyRequest.remove(CONTROLLER, 3).toJson()).getAsJsonObject();

        assertEquals(List.of("ResourcePath", "RequestType"), List.copyOf(json.keySet()));
        assertEquals("VirtualMachine/Devices/Scsi/df6d0690-79e5-55b6-a5ec-c1e2f77f580a/Attachments/3",
                json.get("ResourcePath").getAsString());
        assertEquals("Remove", json.get("RequestType").getAsString());
    }

    @Test
    void windowsPathsAreEscapedAndComeBackUnchanged() {
        String windowsPath = "C:\\ProgramData\\layerd\\snapshots\\12\\layer.vhd";
        String json = ScsiModifyRequest.add(CONTROLLER, 1, Path.of(windowsPath), true).toJson();

        assertTrue(json.contains("\"C:\\\\ProgramData\\\\layerd"), json);
        assertEquals(windowsPath, JsonParser.parseString(json).getAsJsonObject().getAsJsonObject("Settings").get("Path").getAsString());
    }
}
