"""Counting TCP proxies in front of the database and the broker: what reaches the servers.

A :class:`Wire` runs small asyncio proxies on 127.0.0.1 in a thread of its own (so they
outlive the benchmark's ``asyncio.run`` calls). Each one forwards bytes both ways
untouched and parses the client -> server direction only:

* MongoDB wire protocol: a message is ``[int32 length, int32 requestID, int32 responseTo,
  int32 opCode]`` + body. ``OP_MSG`` (2013) is ``int32 flagBits`` + sections; the section of
  kind 0 is one BSON document whose first key is the command name and whose ``$db`` names
  the database. A command carrying ``startTransaction: true`` starts a transaction; one
  carrying ``autocommit: false`` runs inside one. ``OP_QUERY`` (2004, drivers' first
  handshake) is counted by its query document, ``OP_COMPRESSED`` (2012) by the message it
  wraps when the compressor is one this process can undo (noop, zlib), else as
  ``<compressed>``. Other legacy opcodes are counted by their name.
* Kafka protocol: a request is ``[int32 size, int16 api_key, int16 api_version, int32
  correlation_id, ...]``; it is counted by API name (:data:`KAFKA_APIS`). The broker must
  advertise the proxy's address (``start_broker(advertised_port=...)``), otherwise
  clients leave the proxy after their first metadata response.

Every accepted connection is attributed to the process that opened it: the proxy finds
which of the known PIDs (``owners``) holds the client end of the socket (``/proc``), so
the counts say which service spent them and the benchmark's own probes (``bench``) can
be left out. A connection no known process holds is counted as ``other``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bson import decode
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

HOST = "127.0.0.1"
CHUNK = 256 * 1024
RAW = CodecOptions(document_class=RawBSONDocument)
UNKNOWN_PROCESS = "other"
CLOSED = "closed"
"""The client end of the connection was already closed when looked up (a client shut
down right after connecting): its requests are not counted (nor forwarded)."""

KAFKA_APIS: Mapping[int, str] = {
    0: "Produce",
    1: "Fetch",
    2: "ListOffsets",
    3: "Metadata",
    8: "OffsetCommit",
    9: "OffsetFetch",
    10: "FindCoordinator",
    11: "JoinGroup",
    12: "Heartbeat",
    13: "LeaveGroup",
    14: "SyncGroup",
    15: "DescribeGroups",
    16: "ListGroups",
    17: "SaslHandshake",
    18: "ApiVersions",
    19: "CreateTopics",
    20: "DeleteTopics",
    21: "DeleteRecords",
    22: "InitProducerId",
    23: "OffsetForLeaderEpoch",
    24: "AddPartitionsToTxn",
    25: "AddOffsetsToTxn",
    26: "EndTxn",
    28: "TxnOffsetCommit",
    32: "DescribeConfigs",
    33: "AlterConfigs",
    36: "SaslAuthenticate",
    37: "CreatePartitions",
    42: "DeleteGroups",
    47: "OffsetDelete",
    60: "DescribeCluster",
    68: "ConsumerGroupHeartbeat",
    75: "DescribeTopicPartitions",
}
"""Kafka API keys -> names (others are counted as ``api<key>``)."""

MONGO_OPCODES: Mapping[int, str] = {
    1: "OP_REPLY",
    2001: "OP_UPDATE",
    2002: "OP_INSERT",
    2004: "OP_QUERY",
    2005: "OP_GET_MORE",
    2006: "OP_DELETE",
    2007: "OP_KILL_CURSORS",
    2010: "OP_COMMAND",
    2012: "OP_COMPRESSED",
    2013: "OP_MSG",
}
OP_MSG, OP_QUERY, OP_COMPRESSED = 2013, 2004, 2012
_CHECKSUM_PRESENT = 1
Transaction = Literal["start", "in", ""]


@dataclass(frozen=True)
class DbCommand:
    """One request a client sent a database server."""

    server: str
    process: str
    database: str
    command: str
    transaction: Transaction = ""
    """``start``: it carried ``startTransaction``; ``in``: a later command of a transaction."""
    opcode: str = "OP_MSG"
    collection: str = ""
    """The command's first value when it is a name (``{"find": "leads"}``: ``leads``);
    a ``getMore``'s ``collection``."""


@dataclass(frozen=True)
class BrokerRequest:
    """One request a client sent a Kafka broker."""

    server: str
    process: str
    api: str


Key = DbCommand | BrokerRequest


class Tally:
    """Thread-safe counts of :class:`DbCommand` and :class:`BrokerRequest` keys."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[Key] = Counter()

    def add(self, key: Key, n: int = 1) -> None:
        """Count ``key`` ``n`` times."""
        with self._lock:
            self._counts[key] += n

    def snapshot(self) -> Counter[Key]:
        """A copy of every count so far."""
        with self._lock:
            return Counter(self._counts)


# --------------------------------------------------------------------------- framing


class Frames:
    """Splits a byte stream into length-prefixed frames (int32, big- or little-endian)."""

    def __init__(self, *, little_endian: bool, prefix_counted: bool) -> None:
        self._fmt = "<i" if little_endian else ">i"
        self._extra = 0 if prefix_counted else 4
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Append ``data``; every frame completed by it (prefix included)."""
        self._buffer += data
        frames = []
        while len(self._buffer) >= 4:
            (size,) = struct.unpack_from(self._fmt, self._buffer, 0)
            total = size + self._extra
            if total < 4:  # garbage: stop parsing this connection's stream
                self._buffer.clear()
                break
            if len(self._buffer) < total:
                break
            frames.append(bytes(self._buffer[:total]))
            del self._buffer[:total]
        return frames


# --------------------------------------------------------------------------- MongoDB


@dataclass(frozen=True)
class MongoRequest:
    """What one client message asks for."""

    opcode: str
    command: str
    database: str
    transaction: Transaction
    collection: str = ""


def _command_of(opcode: str, document: bytes, default_db: str = "") -> MongoRequest:
    """Command name (first key), ``$db``, transaction role and collection of a command."""
    raw = decode(document, codec_options=RAW)
    command = next(iter(raw), "<empty>")
    target = raw.get("collection") if command == "getMore" else raw.get(command)
    collection = target if isinstance(target, str) else ""
    database = str(raw.get("$db", default_db))
    transaction: Transaction = ""
    if raw.get("startTransaction") is True:
        transaction = "start"
    elif raw.get("autocommit") is False:
        transaction = "in"
    return MongoRequest(opcode, command, database, transaction, collection)


def _op_msg_command(body: bytes) -> bytes | None:
    """The kind-0 section (the command document) of an ``OP_MSG`` body."""
    (flags,) = struct.unpack_from("<I", body, 0)
    end = len(body) - (4 if flags & _CHECKSUM_PRESENT else 0)
    pos = 4
    while pos < end:
        kind = body[pos]
        pos += 1
        (size,) = struct.unpack_from("<i", body, pos)
        if kind == 0:
            return body[pos : pos + size]
        if kind != 1:
            return None
        pos += size
    return None


def parse_mongo(message: bytes) -> MongoRequest:
    """Describe one client -> server MongoDB message (header included)."""
    (opcode,) = struct.unpack_from("<i", message, 12)
    return _parse_mongo_body(opcode, message[16:])


def _parse_mongo_body(opcode: int, body: bytes) -> MongoRequest:
    name = MONGO_OPCODES.get(opcode, f"opcode{opcode}")
    try:
        if opcode == OP_MSG:
            document = _op_msg_command(body)
            if document is not None:
                return _command_of(name, document)
        elif opcode == OP_QUERY:
            # int32 flags, cstring fullCollectionName, int32 skip, int32 return, document
            end = body.index(b"\x00", 4)
            namespace = body[4:end].decode("utf-8", "replace")
            database = namespace.split(".", 1)[0]
            return _command_of(name, body[end + 9 :], database)
        elif opcode == OP_COMPRESSED:
            original, _size, compressor = struct.unpack_from("<iiB", body, 0)
            payload = body[9:]
            if compressor == 0:
                return _parse_mongo_body(original, payload)
            if compressor == 2:
                return _parse_mongo_body(original, zlib.decompress(payload))
            return MongoRequest(name, "<compressed>", "", "")
    except (ValueError, IndexError, struct.error, zlib.error, StopIteration):
        return MongoRequest(name, "<unparsed>", "", "")
    return MongoRequest(name, name, "", "")


def kafka_api(frame: bytes) -> str:
    """The API name of one Kafka request frame (size prefix included)."""
    if len(frame) < 6:
        return "<short>"
    (key,) = struct.unpack_from(">h", frame, 4)
    return KAFKA_APIS.get(key, f"api{key}")


# --------------------------------------------------------------------------- processes


def _socket_inode(client_port: int, server_port: int) -> str | None:
    """The inode of the client end of a loopback TCP connection (from ``/proc/net``)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == client_port and int(remote, 16) == server_port:
                return fields[9]
    return None


def owner_of(owners: Mapping[str, int], client_port: int, server_port: int) -> str:
    """Which of ``owners`` (name -> PID) holds the TCP socket 127.0.0.1:``client_port`` ->
    :``server_port``; :data:`CLOSED` if no process holds it any more (``/proc`` lists it
    without an inode, or not at all), :data:`UNKNOWN_PROCESS` if none of ``owners`` does."""
    inode = _socket_inode(client_port, server_port)
    if inode is None or inode == "0":
        return CLOSED
    target = f"socket:[{inode}]"
    for name, pid in owners.items():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return name
    return UNKNOWN_PROCESS


# --------------------------------------------------------------------------- proxies

Kind = Literal["mongo", "kafka"]


class Proxy:
    """One listening proxy: ``127.0.0.1:listen_port`` -> ``127.0.0.1:upstream_port``."""

    def __init__(
        self,
        kind: Kind,
        label: str,
        *,
        listen_port: int,
        upstream_port: int,
        tally: Tally,
        owners: Callable[[], Mapping[str, int]],
    ) -> None:
        self.kind = kind
        self.label = label
        self.listen_port = listen_port
        self.upstream_port = upstream_port
        self._tally = tally
        self._owners = owners
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen."""
        self._server = await asyncio.start_server(self._accepted, HOST, self.listen_port)

    async def close(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            client_port = writer.get_extra_info("peername")[1]
            # before a byte flows: the client holds its end open until it has an answer
            process = await asyncio.to_thread(
                owner_of, self._owners(), client_port, self.listen_port
            )
            if process == CLOSED:
                return  # the client let go of it first: nothing it sent can be answered
            upstream_reader, upstream_writer = await asyncio.open_connection(
                HOST, self.upstream_port
            )
            pumps = [
                asyncio.create_task(self._requests(reader, upstream_writer, process)),
                asyncio.create_task(_pump(upstream_reader, writer)),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for end in (writer, upstream_writer):
                if end is not None:
                    end.close()
                    with contextlib.suppress(Exception):
                        await end.wait_closed()
            self._connections.discard(task)

    async def _requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, process: str
    ) -> None:
        """Forward client -> server, counting each complete request."""
        mongo = self.kind == "mongo"
        frames = Frames(little_endian=mongo, prefix_counted=mongo)
        while data := await reader.read(CHUNK):
            writer.write(data)
            for frame in frames.feed(data):
                request = parse_mongo(frame) if mongo else kafka_api(frame)
                self._tally.add(self._key(request, process))
            await writer.drain()

    def _key(self, request: MongoRequest | str, process: str) -> Key:
        if isinstance(request, str):
            return BrokerRequest(self.label, process, request)
        return DbCommand(
            self.label,
            process,
            request.database,
            request.command,
            request.transaction,
            request.opcode,
            request.collection,
        )


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(CHUNK):
        writer.write(data)
        await writer.drain()


class Wire:
    """The proxies of one run, on an event loop in a thread of their own.

    ``owners`` names the processes connections are attributed to (called at each accept;
    :meth:`set_owners` replaces it once the processes are known).
    """

    def __init__(self, owners: Callable[[], Mapping[str, int]] | None = None) -> None:
        self.tally = Tally()
        self._owners = owners or dict
        self.proxies: list[Proxy] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="wire", daemon=True)
        self._thread.start()

    def set_owners(self, owners: Callable[[], Mapping[str, int]]) -> None:
        """Attribute connections accepted from now on with ``owners``."""
        self._owners = owners

    def _current_owners(self) -> Mapping[str, int]:
        return self._owners()

    def add(self, kind: Kind, label: str, *, listen_port: int, upstream_port: int) -> Proxy:
        """Start a proxy and wait until it listens."""
        proxy = Proxy(
            kind,
            label,
            listen_port=listen_port,
            upstream_port=upstream_port,
            tally=self.tally,
            owners=self._current_owners,
        )
        asyncio.run_coroutine_threadsafe(proxy.start(), self._loop).result(timeout=10)
        self.proxies.append(proxy)
        return proxy

    def close(self) -> None:
        """Close every proxy and their connections, then end the thread."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            closing = _close_all(self.proxies)
            asyncio.run_coroutine_threadsafe(closing, self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


async def _close_all(proxies: Iterable[Proxy]) -> None:
    await asyncio.gather(*(proxy.close() for proxy in proxies))


# --------------------------------------------------------------------------- reading counts


def db_commands(counts: Mapping[Key, float]) -> dict[DbCommand, float]:
    """The database part of ``counts``."""
    return {k: v for k, v in counts.items() if isinstance(k, DbCommand)}


def broker_requests(counts: Mapping[Key, float]) -> dict[BrokerRequest, float]:
    """The broker part of ``counts``."""
    return {k: v for k, v in counts.items() if isinstance(k, BrokerRequest)}


def without(counts: Mapping[Key, float], processes: Iterable[str]) -> dict[Key, float]:
    """``counts`` less the keys of ``processes`` (the benchmark's own probes)."""
    left_out = set(processes)
    return {k: v for k, v in counts.items() if k.process not in left_out}


def difference(after: Mapping[Key, float], before: Mapping[Key, float]) -> dict[Key, float]:
    """``after - before`` per key (keys absent from ``before`` count from 0)."""
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}
