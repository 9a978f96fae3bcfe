// Reads Kafka records (one JSON object per line on stdin: key, headers, value, all as
// text) with the official CloudEvents JavaScript SDK's Kafka binding, validates each
// event against the CloudEvents 1.0 schema and prints its attributes as one JSON line.
// A record the SDK cannot read prints {"error": "..."} instead, so the caller sees which.
import { createInterface } from "node:readline";
import { Kafka } from "cloudevents";

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const { key, headers, value } = JSON.parse(line);
  try {
    const event = Kafka.toEvent({ key, headers, value, body: value });
    event.validate();
    console.log(JSON.stringify(event.toJSON()));
  } catch (error) {
    const detail = error.errors ? JSON.stringify(error.errors) : "";
    console.log(JSON.stringify({ error: `${error.message} ${detail}`.trim() }));
  }
}
