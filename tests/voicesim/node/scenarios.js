// The official Twilio Node client drives voicesim's conferences, queues and
// recordings, as a Node back office would. Run by tests/voicesim/test_node_client.py:
//
//   node scenarios.js <conference|queue|recording> '<json options>'
//
// with VOICESIM_URL, TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN set. It prints
// one JSON object: what the client answered at each step, for the test to check
// beside the simulator's transcripts.
"use strict";

const twilio = require("twilio");

/** Sends every request meant for *.twilio.com to voicesim instead. */
class SimulatorRequestClient extends twilio.RequestClient {
  constructor(baseUrl) {
    super();
    this.baseUrl = baseUrl;
  }

  request(opts) {
    const uri = new URL(opts.uri);
    const base = new URL(this.baseUrl);
    if (uri.hostname.endsWith(".twilio.com")) {
      uri.protocol = base.protocol;
      uri.host = base.host;
    }
    return super.request({ ...opts, uri: uri.href });
  }
}

const base = process.env.VOICESIM_URL;
const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN, {
  httpClient: new SimulatorRequestClient(base),
});

/** The value `probe` gives once it is truthy (polled, 10 s at most). */
async function until(probe, what) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function transcriptHas(callSid, event) {
  const answer = await fetch(`${base}/sim/calls/${callSid}/transcript`);
  const { entries } = await answer.json();
  return entries.some((entry) => entry.event === event);
}

async function conference({ from, caller, agent, room, announceUrl }) {
  const twiml =
    `<Response><Dial><Conference beep="false" record="record-from-start">` +
    `${room}</Conference></Dial></Response>`;
  const call = await client.calls.create({ to: caller, from, twiml });
  const [listed] = await until(async () => {
    const rooms = await client.conferences.list({ friendlyName: room, status: "in-progress" });
    return rooms.length > 0 && rooms;
  }, "the room");
  const sid = listed.sid;
  await until(() => transcriptHas(call.sid, "conference-joined"), "the caller in the room");
  const added = await client.conferences(sid).participants.create({
    from,
    to: agent,
    label: "agent",
    beep: "false",
  });
  await until(() => transcriptHas(added.callSid, "conference-joined"), "the agent in the room");
  const both = await client.conferences(sid).participants.list();
  const byLabel = await client.conferences(sid).participants("agent").fetch();
  const held = await client.conferences(sid).participants(call.sid).update({ hold: true });
  const listedHeld = await client.conferences(sid).participants.list({ hold: true });
  const muted = await client.conferences(sid).participants(added.callSid).update({ muted: true });
  const unheld = await client.conferences(sid).participants(call.sid).update({ hold: false });
  const announced = await client.conferences(sid).update({ announceUrl });
  const recordings = await client.conferences(sid).recordings.list();
  await client.conferences(sid).participants(added.callSid).remove();
  const left = await client.conferences(sid).participants.list();
  const ended = await client.conferences(sid).update({ status: "completed" });
  const fetched = await client.conferences(sid).fetch();
  return {
    conference: sid,
    caller: call.sid,
    agent: added.callSid,
    participants: both.map((p) => p.callSid).sort(),
    label: [byLabel.callSid, byLabel.label],
    held: held.hold,
    listedHeld: listedHeld.map((p) => p.callSid),
    muted: muted.muted,
    unheld: unheld.hold,
    announced: announced.sid,
    recordings: recordings.map((r) => [r.sid, r.status]),
    left: left.map((p) => p.callSid),
    ended: ended.status,
    fetched: [fetched.friendlyName, fetched.status],
  };
}

async function queue({ from, caller, name, dequeueUrl }) {
  const made = await client.queues.create({ friendlyName: name, maxSize: 10 });
  const twiml = `<Response><Enqueue>${name}</Enqueue></Response>`;
  const call = await client.calls.create({ to: caller, from, twiml });
  await until(() => transcriptHas(call.sid, "enqueued"), "the caller in the queue");
  const members = await client.queues(made.sid).members.list();
  const front = await client.queues(made.sid).members("Front").fetch();
  const waiting = await client.queues(made.sid).fetch();
  const resized = await client.queues(made.sid).update({ maxSize: 20 });
  const listed = await client.queues.list();
  const dequeued = await client.queues(made.sid).members(call.sid).update({
    url: dequeueUrl,
    method: "POST",
  });
  await until(async () => (await client.queues(made.sid).fetch()).currentSize === 0, "empty");
  const removed = await client.queues(made.sid).remove();
  return {
    queue: made.sid,
    caller: call.sid,
    created: [made.friendlyName, made.maxSize],
    members: members.map((m) => [m.callSid, m.position]),
    front: front.callSid,
    waiting: waiting.currentSize,
    resized: resized.maxSize,
    listed: listed.map((q) => q.sid).includes(made.sid),
    dequeued: dequeued.callSid,
    removed,
  };
}

async function recording({ from, caller }) {
  const twiml = `<Response><Pause length="600"/></Response>`;
  const call = await client.calls.create({ to: caller, from, twiml });
  await until(
    async () => (await client.calls(call.sid).fetch()).status === "in-progress",
    "the answer",
  );
  const started = await client.calls(call.sid).recordings.create();
  const paused = await client
    .calls(call.sid)
    .recordings(started.sid)
    .update({ status: "paused", pauseBehavior: "silence" });
  const resumed = await client
    .calls(call.sid)
    .recordings("Twilio.CURRENT")
    .update({ status: "in-progress" });
  const stopped = await client.calls(call.sid).recordings(started.sid).update({ status: "stopped" });
  const ofCall = await client.calls(call.sid).recordings.list();
  const fetched = await client.recordings(started.sid).fetch();
  const listed = await client.recordings.list({ callSid: call.sid });
  const media = await fetch(`${base}${fetched.uri.replace(/\.json$/, ".wav")}`);
  const wav = Buffer.from(await media.arrayBuffer());
  await client.recordings(started.sid).remove();
  const afterRemoval = await client.recordings.list({ callSid: call.sid });
  await client.calls(call.sid).update({ status: "completed" });
  return {
    call: call.sid,
    recording: started.sid,
    statuses: [started.status, paused.status, resumed.status, stopped.status],
    ofCall: ofCall.map((r) => r.sid),
    fetched: [fetched.callSid, fetched.status, fetched.source],
    listed: listed.map((r) => r.sid),
    media: [media.status, media.headers.get("content-type"), wav.subarray(0, 4).toString()],
    afterRemoval: afterRemoval.map((r) => r.sid),
  };
}

const scenarios = { conference, queue, recording };

async function main() {
  const [name, options] = process.argv.slice(2);
  const result = await scenarios[name](JSON.parse(options));
  process.stdout.write(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  },
);
