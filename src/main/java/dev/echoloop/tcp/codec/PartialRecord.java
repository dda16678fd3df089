package dev.echoloop.tcp.codec;

/** A decoder that can tell how much of a record it holds: what a drain at message boundaries waits for. */
interface PartialRecord {

  /**
   * Bytes read but not yet delivered as a record, in bytes. Read while a record is being handled, it counts the
   * records after it in the same read too; 0 means everything read so far has been delivered.
   */
  int bufferedBytes();
}
