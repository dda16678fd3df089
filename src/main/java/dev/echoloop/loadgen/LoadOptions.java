package dev.echoloop.loadgen;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The validated settings of one run.
 *
 * @param size request size for rr and idle, write size for stream, 0 for cpr
 */
record LoadOptions(
    Mode mode,
    String host,
    int port,
    int connections,
    int size,
    int durationSeconds,
    int warmupSeconds,
    Optional<Path> jsonFile,
    String label,
    int eventLoops) {
}
