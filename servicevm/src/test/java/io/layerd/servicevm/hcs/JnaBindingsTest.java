package io.layerd.servicevm.hcs;

import com.sun.jna.Native;
import com.sun.jna.NativeMappedConverter;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The native declarations only use types whose marshalling is fixed regardless of JNA type mappers. */
class JnaBindingsTest {
    /**
     * No String or WString: JNA would pass String as an ANSI char* and WString as wchar_t*, whose
     * width depends on the platform; wide strings go through {@link WideStrings} as Pointers.
     */
    private static final Set<Class<?>> ALLOWED = Set.of(int.class, short.class, void.class, Pointer.class,
            PointerByReference.class, HcsSystem.class, HcsOperation.class, SocketHandle.class, SockaddrHv.class);

    @ParameterizedTest
    @ValueSource(classes = {ComputeCore.class, Kernel32.class, Winsock.class})
    void nativeFunctionsUseOnlyFixedWidthTypes(Class<?> library) {
        for (Method method : library.getDeclaredMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            assertTrue(ALLOWED.contains(method.getReturnType()), method + " returns " + method.getReturnType());
            for (Class<?> parameter : method.getParameterTypes()) {
                assertTrue(ALLOWED.contains(parameter), method + " takes " + parameter);
            }
        }
    }

    @Test
    void computeCoreDeclaresEveryFunctionTheBackendCalls() throws NoSuchMethodException {
        for (String name : new String[] {"HcsCreateOperation", "HcsCloseOperation", "HcsWaitForOperationResult",
                "HcsCreateComputeSystem", "HcsStartComputeSystem", "HcsModifyComputeSystem", "HcsTerminateComputeSystem",
                "HcsShutDownComputeSystem", "HcsCloseComputeSystem", "HcsGetComputeSystemProperties",
                "HcsWaitForComputeSystemExit", "HcsGrantVmAccess"}) {
            assertEquals(1, Arrays.stream(ComputeCore.class.getMethods()).filter(m -> m.getName().equals(name)).count(), name);
        }
        assertEquals(5, ComputeCore.class.getMethod("HcsCreateComputeSystem", Pointer.class, Pointer.class, HcsOperation.class,
                Pointer.class, PointerByReference.class).getParameterCount());
    }

    @Test
    void handlesTravelAsPointersAndSocketsAsPointerSizedIntegers() {
        assertEquals(Pointer.class, NativeMappedConverter.getInstance(HcsSystem.class).nativeType());
        assertEquals(Pointer.class, NativeMappedConverter.getInstance(HcsOperation.class).nativeType());
        assertEquals(Native.POINTER_SIZE == 8 ? Long.class : Integer.class,
                NativeMappedConverter.getInstance(SocketHandle.class).nativeType());
        assertTrue(PointerType.class.isAssignableFrom(HcsSystem.class));
        assertTrue(Structure.class.isAssignableFrom(SockaddrHv.class));
    }

    @Test
    void nullOperationHandleArrivesAsNull() {
        // HcsCreateOperation signals "out of resources" with NULL; HcsClient relies on seeing null.
        assertNull(new HcsOperation().fromNative(null, null));
    }
}
