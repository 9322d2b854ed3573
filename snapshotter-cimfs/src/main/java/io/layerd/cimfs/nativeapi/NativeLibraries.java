package io.layerd.cimfs.nativeapi;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds a JNA interface to a DLL (or, in tests, a shared object) by name or path, with each
 * function looked up on its first call: a function the DLL lacks raises {@link
 * MissingExportException} naming it, instead of JNA's generic link error. No type mapper or
 * other option is used, so a declaration's Java types alone decide the marshalling.
 */
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /**
     * Loads {@code nameOrPath} (a bare name uses the platform's search; an absolute path loads
     * exactly that file).
     *
     * @throws UnsatisfiedLinkError if the library itself cannot be loaded
     */
    public static <T extends Library> T load(String nameOrPath, Class<T> api) {
        NativeLibrary library = NativeLibrary.getInstance(nameOrPath);
        T bound = Native.load(nameOrPath, api, Map.of());
        Set<String> found = ConcurrentHashMap.newKeySet();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, nameOrPath, api);
            }
            String function = method.getName();
            if (!found.contains(function)) {
                try {
                    library.getFunction(function);
                } catch (UnsatisfiedLinkError e) {
                    throw new MissingExportException(function, nameOrPath, e);
                }
                found.add(function);
            }
            try {
                return method.invoke(bound, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return api.cast(Proxy.newProxyInstance(api.getClassLoader(), new Class<?>[] {api}, handler));
    }

    /** Whether {@code nameOrPath} loads: CimFS's "supported" means exactly that its DLL loads. */
    public static boolean loads(String nameOrPath) {
        try {
            NativeLibrary.getInstance(nameOrPath);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args, String library, Class<?> api) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> api.getSimpleName() + "(" + library + ")";
        };
    }
}
