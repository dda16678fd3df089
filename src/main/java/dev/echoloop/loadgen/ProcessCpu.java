package dev.echoloop.loadgen;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * CPU time used by this whole JVM process (every thread: event loops, JIT, GC), in nanoseconds, from
 * {@code com.sun.management.OperatingSystemMXBean}; on Linux that is {@code utime + stime} of
 * {@code /proc/self/stat}. Where the JDK does not offer it, {@link #nanos()} returns -1.
 */
final class ProcessCpu {

  private ProcessCpu() {
  }

  /** Process CPU time in ns, or -1 when this JVM cannot tell. */
  static long nanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean hotspot ? hotspot.getProcessCpuTime() : -1;
  }
}
