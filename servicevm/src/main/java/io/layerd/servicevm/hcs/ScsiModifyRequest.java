package io.layerd.servicevm.hcs;

import com.google.gson.JsonObject;

import java.nio.file.Path;

/**
 * A ModifySettingRequest that hot-adds or removes one virtual disk on a SCSI controller:
 *
 * <pre>
 * {"ResourcePath": "VirtualMachine/Devices/Scsi/&lt;controller&gt;/Attachments/&lt;lun&gt;",
 *  "RequestType": "Add" | "Remove",
 *  "Settings": {"Type": "VirtualDisk", "Path": "&lt;host path&gt;", "ReadOnly": true}}   (Add only)
 * </pre>
 *
 * No {@code GuestRequest}: there is no GCS in the guest; the layerd agent finds the disk by its
 * SCSI address when the host asks it over the bridge.
 *
 * @param requestType  "Add" or "Remove"
 * @param resourcePath where in the compute system the disk lives
 * @param settings     the attachment for "Add", null for "Remove"
 */
record ScsiModifyRequest(String requestType, String resourcePath, JsonObject settings) {
    static final String ADD = "Add";
    static final String REMOVE = "Remove";

    static ScsiModifyRequest add(String controller, int lun, Path image, boolean readOnly) {
        JsonObject attachment = new JsonObject();
        attachment.addProperty("Type", "VirtualDisk");
        attachment.addProperty("Path", image.toString());
        attachment.addProperty("ReadOnly", readOnly);
        return new ScsiModifyRequest(ADD, resourcePath(controller, lun), attachment);
    }

    static ScsiModifyRequest remove(String controller, int lun) {
        return new ScsiModifyRequest(REMOVE, resourcePath(controller, lun), null);
    }

    static String resourcePath(String controller, int lun) {
        return "VirtualMachine/Devices/Scsi/" + controller + "/Attachments/" + lun;
    }

    String toJson() {
        JsonObject request = new JsonObject();
        request.addProperty("ResourcePath", resourcePath);
        request.addProperty("RequestType", requestType);
        if (settings != null) {
            request.add("Settings", settings.deepCopy());
        }
        return HcsJson.write(request);
    }
}
