package dev.echoloop.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text in front of every reply: the {@code replyPrefix} template, with the placeholders {@code {thread}} (the name
 * of the event-loop thread serving the connection) and {@code {node}} ({@code nodeName}). The default,
 * {@value #DEFAULT}, is the Python seed's {@code "<thread>: "} byte for byte.
 *
 * <p>Any other {@code {name}} is a configuration error, so a typo never reaches a client as literal braces. A
 * {@code '{'} with no closing {@code '}'} is literal text.
 */
public final class ReplyPrefix {

  public static final String DEFAULT = "{thread}: ";

  private static final String THREAD = "thread";
  private static final String NODE = "node";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

  private final String template;
  /** Literal text and placeholder names, alternating, starting and ending with (possibly empty) literal text. */
  private final List<String> parts;
  private final Pattern parser;

  private ReplyPrefix(String template, List<String> parts, Pattern parser) {
    this.template = template;
    this.parts = parts;
    this.parser = parser;
  }

  /**
   * @throws InvalidConfigException naming the unknown placeholder, or when the template has a newline (it would end a
   *                                {@code line} reply early)
   */
  public static ReplyPrefix parse(String template) {
    if (template.indexOf('\n') >= 0 || template.indexOf('\r') >= 0) {
      throw invalid(template, "a newline would end a line reply early");
    }
    List<String> parts = new ArrayList<>();
    StringBuilder regex = new StringBuilder("^");
    Matcher placeholder = PLACEHOLDER.matcher(template);
    int literalStart = 0;
    while (placeholder.find()) {
      String name = placeholder.group(1);
      if (!name.equals(THREAD) && !name.equals(NODE)) {
        throw invalid(template, "unknown placeholder {" + name + "}; known: {thread}, {node}");
      }
      String literal = template.substring(literalStart, placeholder.start());
      parts.add(literal);
      parts.add(name);
      regex.append(Pattern.quote(literal)).append(name.equals(NODE) ? "(?<node>.*?)" : ".*?");
      literalStart = placeholder.end();
    }
    String last = template.substring(literalStart);
    parts.add(last);
    regex.append(Pattern.quote(last)).append('$');
    return new ReplyPrefix(template, List.copyOf(parts), Pattern.compile(regex.toString(), Pattern.DOTALL));
  }

  public static ReplyPrefix defaults() {
    return parse(DEFAULT);
  }

  /** The prefix for one event loop; computed once per loop, never per message. */
  public String render(String node, String thread) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      text.append(i % 2 == 0 ? part : part.equals(NODE) ? node : thread);
    }
    return text.toString();
  }

  public boolean hasNode() {
    for (int i = 1; i < parts.size(); i += 2) {
      if (parts.get(i).equals(NODE)) {
        return true;
      }
    }
    return false;
  }

  /** The node named in a prefix rendered from this template, when the template has {@code {node}}. */
  public Optional<String> nodeIn(String renderedPrefix) {
    if (!hasNode()) {
      return Optional.empty();
    }
    Matcher matcher = parser.matcher(renderedPrefix);
    return matcher.matches() ? Optional.of(matcher.group(NODE)) : Optional.empty();
  }

  /** The literal text after the last placeholder ({@code ": "} by default): what a reply's payload directly follows. */
  public byte[] separator() {
    return parts.get(parts.size() - 1).getBytes(StandardCharsets.UTF_8);
  }

  public String template() {
    return template;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ReplyPrefix prefix && prefix.template.equals(template);
  }

  @Override
  public int hashCode() {
    return template.hashCode();
  }

  @Override
  public String toString() {
    return template;
  }

  private static InvalidConfigException invalid(String template, String why) {
    return new InvalidConfigException("invalid configuration: replyPrefix=\"" + template.replace("\n", "\\n")
      + "\" (" + why + ")");
  }
}
