package dev.echoloop.live;

import dev.echoloop.config.EchoConfig;
import dev.echoloop.testing.Ports;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live view in a real browser: Debian's headless Chromium, driven by Selenium through the system
 * {@code /usr/bin/chromedriver} (Selenium Manager would try to download a driver, which cannot work here). The page shows
 * each event loop's connections, the connection table, a client held back by backpressure, and the drain, and it says
 * when the server goes away and reconnects by itself. Screenshots are left in {@code target/live-view*.png}.
 */
@ExtendWith(VertxExtension.class)
class LivePageTest {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Duration PATIENCE = Duration.ofSeconds(15);
  private static final int CLIENTS = 5;

  private final List<Socket> clients = new ArrayList<>();
  private final List<SocketChannel> channels = new ArrayList<>();
  private ChromeDriverService service;
  private WebDriver browser;

  @BeforeEach
  void startBrowser(@TempDir Path profile) throws IOException {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--window-size=1400,1000", "--user-data-dir=" + profile);
    service = new ChromeDriverService.Builder()
      .usingDriverExecutable(new File(CHROMEDRIVER))
      .usingAnyFreePort()
      .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stopBrowser() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (service != null) {
      service.stop();
    }
    for (Socket client : clients) {
      client.close();
    }
    for (SocketChannel channel : channels) {
      channel.close();
    }
  }

  @Test
  void showsEachEventLoopsConnectionsAHeldBackClientAndTheDrain(Vertx vertx) throws Exception {
    LiveServer live = LiveServer.start(vertx, LiveView.MAX_VIEWERS, 250, 30);
    browser.get(live.url("/"));
    WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
    wait.until(page -> text(page, "#link").equals("live"));
    assertThat(text(browser, "#state")).isEqualTo("ready");

    // Which event loop serves a client is the thread name its reply starts with.
    Map<String, Integer> perLoop = new HashMap<>();
    List<String> clientAddresses = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Socket client = new Socket("127.0.0.1", live.server().port());
      client.setSoTimeout(10_000);
      clients.add(client);
      String reply = exchange(client, "hello from client" + i);
      String eventLoop = reply.substring(0, reply.indexOf(": "));
      perLoop.merge(eventLoop, 1, Integer::sum);
      clientAddresses.add("127.0.0.1:" + client.getLocalPort());
    }
    wait.until(page -> perLoop.entrySet().stream()
      .allMatch(loop -> text(page, "section.loop[data-event-loop='" + loop.getKey() + "'] [data-field=open]")
        .equals(String.valueOf(loop.getValue()))));
    wait.until(page -> rowClients(page).containsAll(clientAddresses));
    assertThat(rowClients(browser)).hasSize(CLIENTS);
    assertThat(count(browser, "section.loop")).isEqualTo(2);

    // A client that sends and never reads: once its replies fill the buffers, the server stops reading it.
    SocketChannel greedy = SocketChannel.open();
    channels.add(greedy);
    greedy.setOption(StandardSocketOptions.SO_RCVBUF, 8 * 1024);
    greedy.connect(new InetSocketAddress("127.0.0.1", live.server().port()));
    greedy.configureBlocking(false);
    String greedyAddress = "127.0.0.1:" + ((InetSocketAddress) greedy.getLocalAddress()).getPort();
    ByteBuffer lines = ByteBuffer.wrap("x".repeat(1023).concat("\n").repeat(64).getBytes(StandardCharsets.US_ASCII));
    long[] sent = {0};
    await().atMost(PATIENCE).until(() -> {
      // Each poll pushes what the socket takes (at most 64 MiB in all) and looks at the page.
      while (sent[0] < 64L << 20) {
        int written = greedy.write(lines.rewind());
        sent[0] += written;
        if (written == 0) {
          break;
        }
      }
      return "held back".equals(rowState(browser, greedyAddress));
    });
    wait.until(page -> count(page, "section.loop [data-field=heldBack].held") == 1);
    screenshot("target/live-view.png");

    // The drain: the server refuses new connections, closes each idle one at its message boundary, and gives the one
    // still owed replies up to shutdownTimeoutSeconds.
    live.server().undeploy();
    wait.until(page -> text(page, "#state").startsWith("draining, "));
    assertThat(text(browser, "#state")).matches("draining, \\d+ s left");
    wait.until(page -> rowClients(page).equals(List.of(greedyAddress)));
    screenshot("target/live-view-draining.png");
  }

  @Test
  void saysWhenTheServerGoesAwayAndReconnectsByItselfWhenItIsBack(Vertx vertx) throws Exception {
    // A fixed admin port, so that the server that comes back is found where the page looks.
    EchoConfig config = LiveServer.config().with("admin", new JsonObject().put("port", Ports.freePort()));
    LiveServer first = LiveServer.start(vertx, config, LiveView.MAX_VIEWERS, 250);
    browser.get(first.url("/"));
    WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
    wait.until(page -> text(page, "#link").equals("live"));

    first.stop();
    wait.until(page -> text(page, "#link").equals("server gone: reconnecting…"));

    LiveServer.start(vertx, config, LiveView.MAX_VIEWERS, 250);
    wait.until(page -> text(page, "#link").equals("live") && text(page, "#state").equals("ready"));
  }

  private static String exchange(Socket client, String line) throws IOException {
    OutputStream out = client.getOutputStream();
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    InputStream in = client.getInputStream();
    StringBuilder reply = new StringBuilder();
    for (int b = in.read(); b != '\n' && b >= 0; b = in.read()) {
      reply.append((char) b);
    }
    return reply.toString();
  }

  // The page re-renders on every event, so elements are read in one script each: a found element could be replaced
  // before a second WebDriver call reached it.

  private static String text(WebDriver page, String css) {
    return (String) script(page, "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css);
  }

  @SuppressWarnings("unchecked")
  private static List<String> rowClients(WebDriver page) {
    return (List<String>) script(page,
      "return [...document.querySelectorAll('#connections tbody tr')].map(row => row.dataset.client);");
  }

  private static String rowState(WebDriver page, String client) {
    return (String) script(page, "const row = [...document.querySelectorAll('#connections tbody tr')]"
      + ".find(r => r.dataset.client === arguments[0]); return row ? row.dataset.state : '';", client);
  }

  private static long count(WebDriver page, String css) {
    return (Long) script(page, "return document.querySelectorAll(arguments[0]).length;", css);
  }

  private static Object script(WebDriver page, String script, Object... arguments) {
    return ((JavascriptExecutor) page).executeScript(script, arguments);
  }

  private void screenshot(String path) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), Path.of(path), StandardCopyOption.REPLACE_EXISTING);
  }
}
