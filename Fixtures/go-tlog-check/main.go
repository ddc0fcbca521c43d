// Command go-tlog-check reads a served FlowLedger log over HTTP as a third-party tlog-tiles
// client would, with nothing of FlowLedger's own: Go's golang.org/x/mod/sumdb/note verifies the
// checkpoints under the operator's verifier key, and golang.org/x/mod/sumdb/tlog authenticates
// the hash tiles against the checkpoint's root, proves records and proves consistency.
//
// TEST-ONLY: Tests/LedgerServiceTests/TilesGoCrossCheckTests.swift builds it offline with
// Debian's golang-go and golang-golang-x-mod-dev (GO111MODULE=off, GOPATH=/usr/share/gocode)
// and runs it against a real `flowledger serve --public-read`.
//
//	go-tlog-check BASE_URL VKEY OLD_SIZE [SEQ...]
//
// It checks, and exits 1 naming the first failure:
//   - GET checkpoint opens with note.Open under VKEY, and its origin is VKEY's name;
//   - tlog.TreeHash over tlog.TileHashReader (which fetches and authenticates the tiles) is the
//     checkpoint's root;
//   - every entry bundle (tile/entries/...) parses as big-endian uint16 length-prefixed entries,
//     and each entry's tlog.RecordHash is the leaf hash in the level-0 tiles;
//   - for each SEQ, tlog.ProveRecord / tlog.CheckRecord against the checkpoint;
//   - GET v1/checkpoints/OLD_SIZE opens under VKEY, its root is tlog.TreeHash over the tiles of
//     that older tree (its partial tiles), and tlog.ProveTree / tlog.CheckTree prove the new
//     checkpoint extends it.
//
// On success it prints one line: "ok size=N old=M entries=N records=K".
//
// x/mod names tiles tile/<H>/<L>/<N>[.p/<W>] with the tile height in the path; C2SP tlog-tiles
// (what FlowLedger serves) fixes the height at 8 and leaves it out: tile/<L>/<N>[.p/<W>]. The
// <N> encoding (x-prefixed 3-digit groups) and the .p/<W> suffix are the same, so the reader
// below only drops the "8/".
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const tileHeight = 8

var client = &http.Client{Timeout: 30 * time.Second}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "go-tlog-check:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: go-tlog-check BASE_URL VKEY OLD_SIZE [SEQ...]")
	}
	base, vkey := args[0], args[1]
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	oldSize, err := strconv.ParseInt(args[2], 10, 64)
	if err != nil {
		return fmt.Errorf("OLD_SIZE %q: %v", args[2], err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	verifiers := note.VerifierList(verifier)

	size, root, err := checkpoint(base+"checkpoint", verifiers, verifier.Name())
	if err != nil {
		return err
	}
	tiles := tileReader{base: base}
	tree := tlog.Tree{N: size, Hash: root}
	hashes := tlog.TileHashReader(tree, tiles)
	computed, err := tlog.TreeHash(size, hashes)
	if err != nil {
		return fmt.Errorf("tree hash of size %d from the tiles: %v", size, err)
	}
	if computed != root {
		return fmt.Errorf("tree hash of size %d from the tiles is %v, the checkpoint says %v", size, computed, root)
	}

	entries, err := entryBundles(base, size)
	if err != nil {
		return err
	}
	indexes := make([]int64, size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := hashes.ReadHashes(indexes)
	if err != nil {
		return fmt.Errorf("reading the level-0 tiles: %v", err)
	}
	for i, entry := range entries {
		if tlog.RecordHash(entry) != leaves[i] {
			return fmt.Errorf("entry %d in its bundle does not hash to the leaf hash in tile/0", i)
		}
	}

	records := 0
	for _, arg := range args[3:] {
		seq, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || seq < 0 || seq >= size {
			return fmt.Errorf("SEQ %q: not an entry of the checkpoint of size %d", arg, size)
		}
		proof, err := tlog.ProveRecord(size, seq, hashes)
		if err != nil {
			return fmt.Errorf("ProveRecord(%d, %d): %v", size, seq, err)
		}
		if err := tlog.CheckRecord(proof, size, root, seq, tlog.RecordHash(entries[seq])); err != nil {
			return fmt.Errorf("CheckRecord(%d, %d): %v", size, seq, err)
		}
		records++
	}

	oldN, oldRoot, err := checkpoint(base+"v1/checkpoints/"+strconv.FormatInt(oldSize, 10), verifiers, verifier.Name())
	if err != nil {
		return err
	}
	oldHashes := tlog.TileHashReader(tlog.Tree{N: oldN, Hash: oldRoot}, tiles)
	if computed, err := tlog.TreeHash(oldN, oldHashes); err != nil || computed != oldRoot {
		return fmt.Errorf("tree hash of the older size %d from its tiles: %v (got %v, checkpoint says %v)", oldN, err, computed, oldRoot)
	}
	proof, err := tlog.ProveTree(size, oldN, hashes)
	if err != nil {
		return fmt.Errorf("ProveTree(%d, %d): %v", size, oldN, err)
	}
	if err := tlog.CheckTree(proof, size, root, oldN, oldRoot); err != nil {
		return fmt.Errorf("CheckTree(%d, %d): %v", size, oldN, err)
	}
	fmt.Printf("ok size=%d old=%d entries=%d records=%d\n", size, oldN, len(entries), records)
	return nil
}

// checkpoint fetches a checkpoint note, opens it under verifiers and parses its body
// (c2sp.org/tlog-checkpoint: origin, size, base64 root).
func checkpoint(url string, verifiers note.Verifiers, origin string) (int64, tlog.Hash, error) {
	body, err := get(url, "text/plain; charset=utf-8")
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	n, err := note.Open(body, verifiers)
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("%s: note.Open: %v", url, err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != origin {
		return 0, tlog.Hash{}, fmt.Errorf("%s: not a checkpoint of %q: %q", url, origin, n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return 0, tlog.Hash{}, fmt.Errorf("%s: bad tree size %q", url, lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return 0, tlog.Hash{}, fmt.Errorf("%s: bad root hash %q", url, lines[2])
	}
	var root tlog.Hash
	copy(root[:], raw)
	return size, root, nil
}

// entryBundles fetches every entry bundle of a tree of size entries and splits them.
func entryBundles(base string, size int64) ([][]byte, error) {
	var entries [][]byte
	for n := int64(0); n*256 < size; n++ {
		width := size - n*256
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: tileHeight, L: -1, N: n, W: int(width)}
		url := base + c2spPath(tile)
		body, err := get(url, "application/octet-stream")
		if err != nil {
			return nil, err
		}
		for i := int64(0); i < width; i++ {
			if len(body) < 2 {
				return nil, fmt.Errorf("%s: bundle ends before entry %d of %d", url, i, width)
			}
			length := int(binary.BigEndian.Uint16(body))
			if len(body) < 2+length {
				return nil, fmt.Errorf("%s: entry %d is cut short", url, i)
			}
			entries = append(entries, body[2:2+length])
			body = body[2+length:]
		}
		if len(body) != 0 {
			return nil, fmt.Errorf("%s: %d bytes after the last of %d entries", url, len(body), width)
		}
	}
	return entries, nil
}

// tileReader is a tlog.TileReader over a C2SP tlog-tiles server.
type tileReader struct{ base string }

func (r tileReader) Height() int { return tileHeight }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		url := r.base + c2spPath(tile)
		body, err := get(url, "application/octet-stream")
		if err != nil {
			return nil, err
		}
		if len(body) != tile.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", url, len(body), tile.W*tlog.HashSize)
		}
		out[i] = body
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// c2spPath maps x/mod's tile/8/<L>/<N>[.p/<W>] (data tiles: tile/8/data/...) to C2SP's
// tile/<L>/<N>[.p/<W>] (entry bundles: tile/entries/...).
func c2spPath(tile tlog.Tile) string {
	path := tile.Path()
	prefix := "tile/" + strconv.Itoa(tileHeight) + "/"
	if !strings.HasPrefix(path, prefix) {
		panic("unexpected x/mod tile path " + path)
	}
	rest := strings.TrimPrefix(path, prefix)
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

// get fetches url, requiring 200 and the content type.
func get(url, contentType string) ([]byte, error) {
	response, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", url, response.StatusCode, bytes.TrimSpace(body))
	}
	if got := response.Header.Get("Content-Type"); got != contentType {
		return nil, fmt.Errorf("%s: Content-Type %q, want %q", url, got, contentType)
	}
	return body, nil
}
