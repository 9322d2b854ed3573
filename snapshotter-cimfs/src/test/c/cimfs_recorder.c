/*
 * cimfs_recorder: a stand-in for cimfs.dll / cimwriter.dll, offreg.dll and the two Windows
 * version functions, built with gcc while layerd's tests run on Linux. Every export records
 * what it received, one line per call, to the file named by recorder_set_log():
 *
 *   <Function> key=value key=value ...
 *
 * Values: integers in decimal or 0x-hex; strings as s:<text> (UTF-16LE decoded here to UTF-8,
 * then bytes outside printable ASCII, '%' and ' ' written as %XX; a lone surrogate as %uXXXX) or
 * NULL for a NULL pointer; buffers as hex. Structures are read byte by byte at the documented
 * offsets, not through a C struct, so a wrong layout on the Java side shows up as wrong values.
 *
 * Handles handed out are above 4 GiB (a truncation to 32 bits would show) and distinct per kind:
 * images 0x7a1100000001.., streams 0x5ea000000001.., hives 0x4e7e00000001...
 * recorder_next_result(function, value) makes the next call of that function return the value
 * (a failing HRESULT, S_FALSE, a Win32 error) — a failing call hands out no handle.
 * recorder_set_create_delay(us) makes image creation take that long and record how many
 * creations were running at once (concurrent=N), to observe the caller's serialization.
 * Lines are written under a lock, so calls from several threads do not interleave.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <pthread.h>
#include <unistd.h>

typedef int32_t HRESULT;
typedef uint32_t DWORD;

/* The documented layouts, checked at compile time against the offsets the recorder reads. */
typedef struct {
    uint32_t Attributes;
    int64_t FileSize;
    int64_t CreationTime, LastWriteTime, ChangeTime, LastAccessTime;
    const void *SecurityDescriptorBuffer;
    uint32_t SecurityDescriptorSize;
    const void *ReparseDataBuffer;
    uint32_t ReparseDataSize;
    const void *EaBuffer;
    uint32_t EaBufferSize;
} CIMFS_FILE_METADATA;
typedef struct {
    const uint16_t *ImageDir;
    const uint16_t *ImageName;
} CIMFS_IMAGE_PATH;
typedef struct {
    uint32_t Data1;
    uint16_t Data2, Data3;
    uint8_t Data4[8];
} GUID;

_Static_assert(sizeof(void *) == 8, "the recorder models the 64-bit layout");
_Static_assert(sizeof(CIMFS_FILE_METADATA) == 96, "CIMFS_FILE_METADATA is 96 bytes");
_Static_assert(offsetof(CIMFS_FILE_METADATA, FileSize) == 8, "FileSize @8");
_Static_assert(offsetof(CIMFS_FILE_METADATA, CreationTime) == 16, "CreationTime @16");
_Static_assert(offsetof(CIMFS_FILE_METADATA, LastAccessTime) == 40, "LastAccessTime @40");
_Static_assert(offsetof(CIMFS_FILE_METADATA, SecurityDescriptorBuffer) == 48, "SD @48");
_Static_assert(offsetof(CIMFS_FILE_METADATA, SecurityDescriptorSize) == 56, "SD size @56");
_Static_assert(offsetof(CIMFS_FILE_METADATA, ReparseDataBuffer) == 64, "reparse @64");
_Static_assert(offsetof(CIMFS_FILE_METADATA, ReparseDataSize) == 72, "reparse size @72");
_Static_assert(offsetof(CIMFS_FILE_METADATA, EaBuffer) == 80, "EA @80");
_Static_assert(offsetof(CIMFS_FILE_METADATA, EaBufferSize) == 88, "EA size @88");
_Static_assert(sizeof(CIMFS_IMAGE_PATH) == 16, "CIMFS_IMAGE_PATH is 16 bytes");
_Static_assert(sizeof(GUID) == 16, "GUID is 16 bytes");

#define EXPORT __attribute__((visibility("default")))
#define MAX_UNITS 65536

static FILE *log_file;
static uint64_t next_image, next_stream, next_hive;
static uint32_t os_build = 26100, os_revision = 1;
static unsigned create_delay_us;
static int creating;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_PENDING 16
static struct {
    char function[64];
    int32_t value;
    int used;
} pending[MAX_PENDING];

/* ---- control ---- */

EXPORT void recorder_reset(void) {
    create_delay_us = 0;
    next_image = next_stream = next_hive = 0;
    memset(pending, 0, sizeof pending);
    os_build = 26100;
    os_revision = 1;
}

/* Appends to path from now on (NULL: stop recording). Returns 0, or -1 if it cannot be opened. */
EXPORT int recorder_set_log(const char *path) {
    if (log_file) {
        fclose(log_file);
        log_file = NULL;
    }
    if (path == NULL) {
        return 0;
    }
    log_file = fopen(path, "a");
    return log_file ? 0 : -1;
}

/* The next call of function returns value instead of success. */
EXPORT int recorder_next_result(const char *function, int32_t value) {
    for (int i = 0; i < MAX_PENDING; i++) {
        if (!pending[i].used) {
            snprintf(pending[i].function, sizeof pending[i].function, "%s", function);
            pending[i].value = value;
            pending[i].used = 1;
            return 0;
        }
    }
    return -1;
}

EXPORT void recorder_set_version(uint32_t build, uint32_t revision) {
    os_build = build;
    os_revision = revision;
}

EXPORT void recorder_set_create_delay(unsigned microseconds) { create_delay_us = microseconds; }

EXPORT uint32_t recorder_sizeof_file_metadata(void) { return sizeof(CIMFS_FILE_METADATA); }
EXPORT uint32_t recorder_sizeof_image_path(void) { return sizeof(CIMFS_IMAGE_PATH); }
EXPORT uint32_t recorder_sizeof_guid(void) { return sizeof(GUID); }

/* ---- recording helpers ---- */

static int32_t result_for(const char *function) {
    pthread_mutex_lock(&lock);
    int32_t value = 0;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending[i].used && strcmp(pending[i].function, function) == 0) {
            pending[i].used = 0;
            value = pending[i].value;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return value;
}

static void out(const char *s) {
    if (log_file) {
        fputs(s, log_file);
    }
}

static void outf(const char *fmt, unsigned long long v) {
    if (log_file) {
        fprintf(log_file, fmt, v);
    }
}

/* A line: begin() takes the lock, end() writes the result and releases it. */
static void begin(const char *function) {
    pthread_mutex_lock(&lock);
    out(function);
}

static void end(int32_t result) {
    if (log_file) {
        fprintf(log_file, " result=%d\n", result);
        fflush(log_file);
    }
    pthread_mutex_unlock(&lock);
}

/* How many image creations run at this moment, this one included; holds it for the set delay. */
static int enter_create(void) {
    int concurrent = __atomic_add_fetch(&creating, 1, __ATOMIC_SEQ_CST);
    if (create_delay_us) {
        usleep(create_delay_us);
    }
    return concurrent;
}

static void leave_create(void) { __atomic_sub_fetch(&creating, 1, __ATOMIC_SEQ_CST); }

static void put_escaped_byte(unsigned char c) {
    if (c > 0x20 && c < 0x7f && c != '%') {
        char s[2] = {(char) c, 0};
        out(s);
    } else if (log_file) {
        fprintf(log_file, "%%%02X", c);
    }
}

static void put_utf8(uint32_t cp) {
    if (cp < 0x80) {
        put_escaped_byte((unsigned char) cp);
    } else if (cp < 0x800) {
        put_escaped_byte(0xC0 | (cp >> 6));
        put_escaped_byte(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        put_escaped_byte(0xE0 | (cp >> 12));
        put_escaped_byte(0x80 | ((cp >> 6) & 0x3F));
        put_escaped_byte(0x80 | (cp & 0x3F));
    } else {
        put_escaped_byte(0xF0 | (cp >> 18));
        put_escaped_byte(0x80 | ((cp >> 12) & 0x3F));
        put_escaped_byte(0x80 | ((cp >> 6) & 0x3F));
        put_escaped_byte(0x80 | (cp & 0x3F));
    }
}

static uint16_t unit_at(const void *s, size_t i) {
    uint16_t u;
    memcpy(&u, (const unsigned char *) s + 2 * i, 2); /* little-endian host */
    return u;
}

/* key=s:<decoded> or key=NULL; the string ends at the first NUL unit. */
static void put_wstr(const char *key, const void *s) {
    out(" ");
    out(key);
    if (s == NULL) {
        out("=NULL");
        return;
    }
    out("=s:");
    for (size_t i = 0; i < MAX_UNITS; i++) {
        uint16_t u = unit_at(s, i);
        if (u == 0) {
            return;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint16_t low = unit_at(s, i + 1);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                put_utf8(0x10000 + (((uint32_t) u - 0xD800) << 10) + (low - 0xDC00));
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            outf("%%u%04llX", u);
            continue;
        }
        put_utf8(u);
    }
    out("!unterminated");
}

static void put_u(const char *key, unsigned long long v) {
    out(" ");
    out(key);
    outf("=%llu", v);
}

static void put_i(const char *key, long long v) {
    if (log_file) {
        fprintf(log_file, " %s=%lld", key, v);
    }
}

static void put_ptr(const char *key, const void *p) {
    out(" ");
    out(key);
    if (p == NULL) {
        out("=NULL");
    } else {
        outf("=0x%llx", (unsigned long long) (uintptr_t) p);
    }
}

static void put_hex(const char *key, const void *buffer, size_t size) {
    out(" ");
    out(key);
    out("=");
    if (buffer == NULL) {
        out("NULL");
        return;
    }
    out("x:");
    for (size_t i = 0; i < size; i++) {
        outf("%02llx", ((const unsigned char *) buffer)[i]);
    }
}

/* FNV-1a, 64 bit: the Java side computes the same over what it wrote. */
static uint64_t fnv1a(const unsigned char *b, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static uint32_t u32_at(const void *base, size_t offset) {
    uint32_t v;
    memcpy(&v, (const unsigned char *) base + offset, 4);
    return v;
}

static uint64_t u64_at(const void *base, size_t offset) {
    uint64_t v;
    memcpy(&v, (const unsigned char *) base + offset, 8);
    return v;
}

static const void *ptr_at(const void *base, size_t offset) {
    const void *p;
    memcpy(&p, (const unsigned char *) base + offset, sizeof p);
    return p;
}

/* guid=<canonical text read from Data1..Data4> guid.bytes=<16 bytes in memory order> */
static void put_guid(const void *g) {
    if (g == NULL) {
        out(" guid=NULL");
        return;
    }
    const unsigned char *d4 = (const unsigned char *) g + 8;
    if (log_file) {
        fprintf(log_file, " guid=%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", u32_at(g, 0),
                (unsigned) (u32_at(g, 4) & 0xFFFF), (unsigned) (u32_at(g, 4) >> 16), d4[0], d4[1], d4[2], d4[3], d4[4], d4[5],
                d4[6], d4[7]);
    }
    put_hex("guid.bytes", g, 16);
}

static void put_image_paths(uint32_t n, const void *paths) {
    put_u("count", n);
    if (paths == NULL) {
        out(" paths=NULL");
        return;
    }
    char key[32];
    for (uint32_t i = 0; i < n && i < 64; i++) {
        snprintf(key, sizeof key, "dir[%u]", i);
        put_wstr(key, ptr_at(paths, 16 * (size_t) i));
        snprintf(key, sizeof key, "name[%u]", i);
        put_wstr(key, ptr_at(paths, 16 * (size_t) i + 8));
    }
}

static void hand_out(const char *key, void **out_handle, uint64_t base, uint64_t *counter, int32_t result) {
    if (out_handle == NULL) {
        out(" ");
        out(key);
        out("=NULL-OUT");
        return;
    }
    if (result < 0) {
        *out_handle = NULL;
        return;
    }
    *out_handle = (void *) (uintptr_t) (base + ++*counter);
    put_ptr(key, *out_handle);
}

#define IMAGE_BASE 0x7a1100000000ULL
#define STREAM_BASE 0x5ea000000000ULL
#define HIVE_BASE 0x4e7e00000000ULL

/* ---- cimfs.dll / cimwriter.dll ---- */

EXPORT HRESULT CimCreateImage(const uint16_t *dir, const uint16_t *existing, const uint16_t *name, void **handle) {
    int concurrent = enter_create();
    int32_t r = result_for(__func__);
    begin(__func__);
    put_u("concurrent", (unsigned) concurrent);
    put_wstr("dir", dir);
    put_wstr("existing", existing);
    put_wstr("name", name);
    hand_out("handle", handle, IMAGE_BASE, &next_image, r);
    end(r);
    leave_create();
    return r;
}

EXPORT HRESULT CimCreateImage2(const uint16_t *dir, uint32_t flags, const uint16_t *existing, const uint16_t *name, void **handle) {
    int concurrent = enter_create();
    int32_t r = result_for(__func__);
    begin(__func__);
    put_u("concurrent", (unsigned) concurrent);
    put_wstr("dir", dir);
    outf(" flags=0x%llx", flags);
    put_wstr("existing", existing);
    put_wstr("name", name);
    hand_out("handle", handle, IMAGE_BASE, &next_image, r);
    end(r);
    leave_create();
    return r;
}

EXPORT void CimCloseImage(void *image) {
    begin(__func__);
    put_ptr("image", image);
    end(0);
}

EXPORT HRESULT CimCommitImage(void *image) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    end(r);
    return r;
}

EXPORT HRESULT CimCreateFile(void *image, const uint16_t *path, const void *m, void **stream) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    if (m == NULL) {
        out(" metadata=NULL");
    } else {
        outf(" attributes=0x%llx", u32_at(m, 0));
        put_i("size", (int64_t) u64_at(m, 8));
        put_i("creation", (int64_t) u64_at(m, 16));
        put_i("lastWrite", (int64_t) u64_at(m, 24));
        put_i("change", (int64_t) u64_at(m, 32));
        put_i("lastAccess", (int64_t) u64_at(m, 40));
        put_u("sdSize", u32_at(m, 56));
        put_hex("sd", ptr_at(m, 48), u32_at(m, 56));
        put_u("reparseSize", u32_at(m, 72));
        put_hex("reparse", ptr_at(m, 64), u32_at(m, 72));
        put_u("eaSize", u32_at(m, 88));
        put_hex("ea", ptr_at(m, 80), u32_at(m, 88));
        /* the padding after the 32-bit fields: JNA writes zeros there */
        put_u("pad", (uint64_t) u32_at(m, 4) | u32_at(m, 60) | u32_at(m, 76) | u32_at(m, 92));
    }
    hand_out("stream", stream, STREAM_BASE, &next_stream, r);
    end(r);
    return r;
}

EXPORT HRESULT CimCloseStream(void *stream) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("stream", stream);
    end(r);
    return r;
}

EXPORT HRESULT CimWriteStream(void *stream, const void *buffer, uint32_t size) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("stream", stream);
    put_u("size", size);
    outf(" fnv=%016llx", buffer == NULL ? 0 : fnv1a(buffer, size));
    end(r);
    return r;
}

EXPORT HRESULT CimDeletePath(void *image, const uint16_t *path) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    end(r);
    return r;
}

EXPORT HRESULT CimCreateHardLink(void *image, const uint16_t *new_path, const uint16_t *old_path) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("new", new_path);
    put_wstr("old", old_path);
    end(r);
    return r;
}

EXPORT HRESULT CimCreateAlternateStream(void *image, const uint16_t *path, uint64_t size, void **stream) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    put_u("size", size);
    hand_out("stream", stream, STREAM_BASE, &next_stream, r);
    end(r);
    return r;
}

EXPORT HRESULT CimAddFsToMergedImage(void *image, const uint16_t *path) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    end(r);
    return r;
}

EXPORT HRESULT CimAddFsToMergedImage2(void *image, const uint16_t *path, uint32_t flags) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    outf(" flags=0x%llx", flags);
    end(r);
    return r;
}

EXPORT HRESULT CimTombstoneFile(void *image, const uint16_t *path) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("path", path);
    end(r);
    return r;
}

EXPORT HRESULT CimCreateMergeLink(void *image, const uint16_t *new_path, const uint16_t *old_path) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("image", image);
    put_wstr("new", new_path);
    put_wstr("old", old_path);
    end(r);
    return r;
}

/* Answers with hash bytes 0xA0, 0xA1, ... and a fixed header size of 0x1234. */
EXPORT HRESULT CimSealImage(const uint16_t *path, uint64_t *hash_size, uint64_t *fixed_header_size, uint8_t *hash) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_wstr("path", path);
    put_ptr("hashSizeOut", hash_size);
    put_ptr("hash", hash);
    if (r >= 0) {
        if (hash_size) *hash_size = 32;
        if (fixed_header_size) *fixed_header_size = 0x1234;
        for (int i = 0; hash && i < 32; i++) hash[i] = (uint8_t) (0xA0 + i);
    }
    end(r);
    return r;
}

EXPORT HRESULT CimGetVerificationInformation(const uint16_t *path, uint32_t *is_sealed, uint64_t *hash_size, uint64_t *signature_size,
                                             uint64_t *fixed_header_size, uint8_t *hash, uint8_t *signature) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_wstr("path", path);
    put_ptr("signature", signature);
    if (r >= 0) {
        if (is_sealed) *is_sealed = 1;
        if (hash_size) *hash_size = 32;
        if (signature_size) *signature_size = 0x99;
        if (fixed_header_size) *fixed_header_size = 0x4321;
        for (int i = 0; hash && i < 32; i++) hash[i] = (uint8_t) (0x10 + i);
    }
    end(r);
    return r;
}

EXPORT HRESULT CimMountImage(const uint16_t *dir, const uint16_t *name, uint32_t flags, const void *volume) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_wstr("dir", dir);
    put_wstr("name", name);
    outf(" flags=0x%llx", flags);
    put_guid(volume);
    end(r);
    return r;
}

EXPORT HRESULT CimDismountImage(const void *volume) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_guid(volume);
    end(r);
    return r;
}

EXPORT HRESULT CimMergeMountImage(uint32_t n, const void *paths, uint32_t flags, const void *volume) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_image_paths(n, paths);
    outf(" flags=0x%llx", flags);
    put_guid(volume);
    end(r);
    return r;
}

EXPORT HRESULT CimMountVerifiedImage(const uint16_t *path, const uint16_t *fs_name, uint32_t flags, const void *volume, uint16_t hash_size,
                                     const uint8_t *hash) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_wstr("path", path);
    put_wstr("fsName", fs_name);
    outf(" flags=0x%llx", flags);
    put_guid(volume);
    put_u("hashSize", hash_size);
    put_hex("hash", hash, hash_size);
    end(r);
    return r;
}

EXPORT HRESULT CimMergeMountVerifiedImage(uint32_t n, const void *paths, uint32_t flags, const void *volume, uint16_t hash_size,
                                          const uint8_t *hash) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_image_paths(n, paths);
    outf(" flags=0x%llx", flags);
    put_guid(volume);
    put_u("hashSize", hash_size);
    put_hex("hash", hash, hash_size);
    end(r);
    return r;
}

/* ---- offreg.dll (Win32 error codes, not HRESULTs) ---- */

EXPORT DWORD OROpenHive(const uint16_t *path, void **handle) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_wstr("path", path);
    hand_out("handle", handle, HIVE_BASE, &next_hive, r == 0 ? 0 : -1);
    end(r);
    return (DWORD) r;
}

EXPORT DWORD ORMergeHives(void *const *handles, uint32_t count, void **result) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_u("count", count);
    char key[32];
    for (uint32_t i = 0; handles && i < count && i < 64; i++) {
        snprintf(key, sizeof key, "hive[%u]", i);
        put_ptr(key, handles[i]);
    }
    hand_out("handle", result, HIVE_BASE, &next_hive, r == 0 ? 0 : -1);
    end(r);
    return (DWORD) r;
}

EXPORT DWORD ORSaveHive(void *handle, const uint16_t *path, DWORD major, DWORD minor) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("handle", handle);
    put_wstr("path", path);
    put_u("major", major);
    put_u("minor", minor);
    end(r);
    return (DWORD) r;
}

EXPORT DWORD ORCloseHive(void *handle) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("handle", handle);
    end(r);
    return (DWORD) r;
}

/* ---- ntdll.dll / advapi32.dll: the version CimFsProbe reads on Windows ---- */

EXPORT int32_t RtlGetVersion(void *info) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_u("infoSize", info ? u32_at(info, 0) : 0);
    if (info && r == 0) {
        uint32_t v[4] = {10, 0, os_build, 2};
        memcpy((unsigned char *) info + 4, v, sizeof v);
    }
    end(r);
    return r;
}

EXPORT int32_t RegGetValueW(void *hkey, const uint16_t *sub_key, const uint16_t *value, DWORD flags, DWORD *type, void *data, DWORD *size) {
    int32_t r = result_for(__func__);
    begin(__func__);
    put_ptr("hkey", hkey);
    put_wstr("subKey", sub_key);
    put_wstr("value", value);
    outf(" flags=0x%llx", flags);
    put_ptr("type", type);
    put_u("dataSize", size ? *size : 0);
    if (r == 0 && data && size && *size >= 4) {
        memcpy(data, &os_revision, 4);
        *size = 4;
        if (type) *type = 4; /* REG_DWORD */
    }
    end(r);
    return r;
}
