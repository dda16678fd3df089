package dev.echoloop.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A separate JVM (or any command) whose combined output a test reads line by line, with a bound on every wait. */
public final class LaunchedProcess implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;
  /** While true, nobody reads the process's output: its pipe fills up, as behind a stalled log shipper. */
  private boolean paused;

  private LaunchedProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::readOutput, "output-of-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Runs a main class of this project on the test class path, as {@code java -cp ... mainClass args}. */
  public static LaunchedProcess java(Map<String, String> environment, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return start(environment, command);
  }

  public static LaunchedProcess start(Map<String, String> environment, List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    return new LaunchedProcess(builder.start());
  }

  /** Waits for a line matching {@code regex} and returns its first group (or the whole line without groups). */
  public String awaitLine(String regex, long timeoutSeconds) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    synchronized (lines) {
      int checked = 0;
      while (true) {
        for (; checked < lines.size(); checked++) {
          Matcher matcher = pattern.matcher(lines.get(checked));
          if (matcher.find()) {
            return matcher.groupCount() > 0 ? matcher.group(1) : matcher.group();
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          throw new AssertionError("no line matching " + regex + " in output:\n" + String.join("\n", lines));
        }
        lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** Waits until {@code count} lines contain {@code text}. */
  public void awaitCount(String text, int count, long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    synchronized (lines) {
      while (lines.stream().filter(line -> line.contains(text)).count() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          throw new AssertionError("fewer than " + count + " lines with \"" + text + "\" in output:\n" + String.join("\n", lines));
        }
        lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** Waits for the process to end and for all its output to be read; returns the exit code. */
  public int awaitExit(long timeoutSeconds) throws InterruptedException {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      throw new AssertionError("still running after " + timeoutSeconds + " s; output:\n" + String.join("\n", output()));
    }
    reader.join(TimeUnit.SECONDS.toMillis(timeoutSeconds));
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  /** Sends SIGHUP, as {@code kill -HUP} or systemd's {@code ExecReload} does; Java itself sends only TERM and KILL. */
  public void hangUp() throws IOException, InterruptedException {
    try (LaunchedProcess kill = start(Map.of(), List.of("kill", "-HUP", String.valueOf(pid())))) {
      if (kill.awaitExit(10) != 0) {
        throw new AssertionError("kill -HUP " + pid() + " failed: " + kill.output());
      }
    }
  }

  /** Sends SIGTERM, as an operator or a container runtime would. */
  public void terminate() {
    // Process.destroy() would also close our end of the output pipe, losing what the process logs while it stops.
    process.toHandle().destroy();
  }

  /** Stops reading the process's output, so that once the pipe's buffer (64 KiB on Linux) is full its writes block. */
  public void pauseOutput() {
    synchronized (lines) {
      paused = true;
    }
  }

  public void resumeOutput() {
    synchronized (lines) {
      paused = false;
      lines.notifyAll();
    }
  }

  public List<String> output() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lines) {
          lines.add(line);
          lines.notifyAll();
          while (paused) {
            lines.wait();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The process was killed while we read: its output simply ends here.
    }
    synchronized (lines) {
      lines.notifyAll();
    }
  }
}
