'use strict'
// Drives the reference Secret Handshake (secret-handshake) and box-stream (pull-box-stream) for Kith's
// interop tests, test vectors and benchmarks. Keys are hex on the command line; results are lines on stdout:
//   LISTENING <port> | REMOTE <hex> | RECV <hex of every body, in order, comma separated> | DONE | ERROR <text>
// Usage:
//   node shs.js server <networkKey> <serverSeed> <bodySpec>
//   node shs.js client <port> <networkKey> <clientSeed> <serverPublicKey> <bodySpec>
//   node shs.js bench <handshakes>
//   node shs.js vectors <outDir>     (writes handshake.json and boxstream.json; see spec/PROTOCOL.md 11)
// bodySpec is a comma-separated list of body sizes; body i of size n has byte j = (j * 31 + n + i) & 0xff.
var net = require('net')
var crypto = require('crypto')
var pull = require('pull-stream')
var toPull = require('stream-to-pull-stream')
var shs = require('secret-handshake')
var stateless = require('secret-handshake/crypto')
var boxes = require('pull-box-stream')
var sodium = require('chloride')

function hex (b) { return Buffer.from(b).toString('hex') }
function unhex (s) { return Buffer.from(s, 'hex') }
function keys (seedHex) { return sodium.crypto_sign_seed_keypair(unhex(seedHex)) }

function bodies (spec) {
  if (!spec) return []
  return spec.split(',').map(function (s, i) {
    var n = parseInt(s, 10), b = Buffer.alloc(n)
    for (var j = 0; j < n; j++) b[j] = (j * 31 + n + i) & 0xff
    return b
  })
}

function fail (err) {
  console.log('ERROR ' + String(err && err.message || err).replace(/\n/g, ' '))
  process.exitCode = 1
}

// Sends our bodies (then the goodbye, when pull.values ends) and collects theirs until their goodbye.
function exchange (stream, spec, done) {
  console.log('REMOTE ' + hex(stream.remote))
  var pending = 2
  function one () { if (--pending === 0) done() }
  pull(pull.values(bodies(spec)), stream.sink)
  pull(stream.source, pull.collect(function (err, got) {
    if (err) { fail(err); return done() }
    console.log('RECV ' + got.map(hex).join(','))
    one()
  }))
  // The sink has no completion callback in this version; the goodbye is queued synchronously with the end.
  setImmediate(one)
}

function server (networkKey, serverSeed, spec) {
  var create = shs.createServer(keys(serverSeed), function (pub, cb) { cb(null, true) }, unhex(networkKey))
  var srv = net.createServer(function (socket) {
    srv.close()
    var duplex = toPull.duplex(socket)
    socket.on('error', function () {})
    pull(duplex, create(function (err, stream) {
      if (err) { fail(err); return socket.destroy() }
      exchange(stream, spec, function () { console.log('DONE') })
    }), duplex)
  })
  srv.listen(0, '127.0.0.1', function () { console.log('LISTENING ' + srv.address().port) })
}

function client (port, networkKey, clientSeed, serverPub, spec) {
  var create = shs.createClient(keys(clientSeed), unhex(networkKey))
  var socket = net.connect(parseInt(port, 10), '127.0.0.1')
  socket.on('error', function () {})
  var duplex = toPull.duplex(socket)
  pull(duplex, create(unhex(serverPub), function (err, stream) {
    if (err) { fail(err); return socket.destroy() }
    exchange(stream, spec, function () { console.log('DONE') })
  }), duplex)
}

// In-memory handshakes, client and server in this process, one after another (like the Java benchmark):
// n to warm up, then n timed.
function bench (n) {
  var appKey = crypto.createHash('sha256').update('kith/network/v1').digest()
  var alice = keys('11'.repeat(32)), bob = keys('22'.repeat(32))
  var createClient = shs.createClient(alice, appKey)
  var createServer = shs.createServer(bob, function (p, cb) { cb(null, true) }, appKey)
  function run (count, then) {
    var i = 0
    function next () {
      if (i === count) return then()
      i++
      var left = 2
      function done (err) {
        if (err) throw err
        if (--left === 0) setImmediate(next)
      }
      var c = createClient(bob.publicKey, done)
      var s = createServer(done)
      pull(c, s, c)
    }
    next()
  }
  run(n, function () {
    var start = process.hrtime.bigint()
    run(n, function () {
      console.log('RATE ' + (n / (Number(process.hrtime.bigint() - start) / 1e9)))
    })
  })
}

function vectors (outDir) {
  var networkKey = crypto.createHash('sha256').update('kith/network/v1').digest()
  var clientSeed = unhex('01'.repeat(32)), serverSeed = unhex('02'.repeat(32))
  var clientEph = unhex('03'.repeat(32)), serverEph = unhex('04'.repeat(32))
  var alice = sodium.crypto_sign_seed_keypair(clientSeed), bob = sodium.crypto_sign_seed_keypair(serverSeed)
  var c = stateless.initialize({ app_key: networkKey, local: alice, remote: { publicKey: bob.publicKey }, random: clientEph })
  var s = stateless.initialize({ app_key: networkKey, local: bob, random: serverEph })
  var m1 = stateless.createChallenge(c)
  if (!(s = stateless.verifyChallenge(s, m1))) throw new Error('m1')
  var m2 = stateless.createChallenge(s)
  if (!(c = stateless.clientVerifyChallenge(c, m2))) throw new Error('m2')
  var m3 = stateless.clientCreateAuth(c)
  if (!(s = stateless.serverVerifyAuth(s, m3))) throw new Error('m3')
  var m4 = stateless.serverCreateAccept(s)
  if (!(c = stateless.clientVerifyAccept(c, m4))) throw new Error('m4')
  c = stateless.clean(c); s = stateless.clean(s)
  var handshake = {
    source: 'secret-handshake@1.1.21 crypto.js (ssbc reference), generated by protocol/src/test/js/shs.js vectors',
    networkKey: hex(networkKey),
    clientSeed: hex(clientSeed), clientPublicKey: hex(alice.publicKey),
    serverSeed: hex(serverSeed), serverPublicKey: hex(bob.publicKey),
    clientEphemeralSeed: hex(clientEph), serverEphemeralSeed: hex(serverEph),
    clientEphemeralPublicKey: hex(c.local.kx_pk), serverEphemeralPublicKey: hex(s.local.kx_pk),
    message1: hex(m1), message2: hex(m2), message3: hex(m3), message4: hex(m4),
    client: { encryptKey: hex(c.encryptKey), encryptNonce: hex(c.remote.app_mac.slice(0, 24)),
              decryptKey: hex(c.decryptKey), decryptNonce: hex(c.local.app_mac.slice(0, 24)) },
    server: { encryptKey: hex(s.encryptKey), encryptNonce: hex(s.remote.app_mac.slice(0, 24)),
              decryptKey: hex(s.decryptKey), decryptNonce: hex(s.local.app_mac.slice(0, 24)) }
  }
  var key = unhex('05'.repeat(32)), nonce = unhex('06'.repeat(24))
  var cases = [[], [1], [3, 4096], [4097], ['hello kith'], [0, 2]]
  // The last case starts at a nonce about to carry across bytes, to pin the big-endian increment.
  var carryNonce = Buffer.concat([unhex('07'.repeat(20)), unhex('fffffffe')])
  var out = []
  var pendingCases = cases.length + 1
  function run (name, key, nonce, bs) {
    pull(pull.values(bs), boxes.createBoxStream(key, nonce), pull.collect(function (err, chunks) {
      if (err) throw err
      out.push({ name: name, key: hex(key), nonce: hex(nonce), bodies: bs.map(hex), stream: hex(Buffer.concat(chunks)) })
      if (--pendingCases === 0) finish()
    }))
  }
  cases.forEach(function (spec, i) {
    var bs = spec.map(function (x) { return typeof x === 'string' ? Buffer.from(x, 'utf8') : bodies(String(x))[0] || Buffer.alloc(0) })
    run('case' + i, key, nonce, bs)
  })
  run('nonce-carry', key, carryNonce, [Buffer.from('carry'), Buffer.from('over')])
  function finish () {
    out.sort(function (a, b) { return a.name < b.name ? -1 : 1 })
    var boxstream = {
      source: 'pull-box-stream@1.0.13 (ssbc reference), generated by protocol/src/test/js/shs.js vectors',
      note: 'bodies as given to the encoder; bodies over 4096 bytes are split into 4096-byte boxes; empty bodies are skipped by the reference encoder; stream ends with the goodbye',
      cases: out }
    require('fs').writeFileSync(outDir + '/handshake.json', JSON.stringify(handshake, null, 2) + '\n')
    require('fs').writeFileSync(outDir + '/boxstream.json', JSON.stringify(boxstream, null, 2) + '\n')
  }
}

var a = process.argv.slice(2)
if (a[0] === 'server') server(a[1], a[2], a[3])
else if (a[0] === 'client') client(a[1], a[2], a[3], a[4], a[5])
else if (a[0] === 'bench') bench(parseInt(a[1], 10))
else if (a[0] === 'vectors') vectors(a[1])
else { console.error('usage: node shs.js server|client|bench|vectors ...'); process.exit(2) }
