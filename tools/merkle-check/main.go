// Command merkle-check is the independent implementation the transparency log's Merkle tree is compared with
// (issue 20): github.com/transparency-dev/merkle, the library behind Trillian and the Go checksum database.
//
// It reads on standard input {"leaves": [text, …], "inclusion": [{index, size, proof?}], "consistency":
// [{first, second, proof?}]}, builds the RFC 6962/9162 tree over the UTF-8 leaves and writes on standard output
// the root of every size 0…n, its own inclusion and consistency proofs, and whether each proof given in the input
// verifies against its roots.
package main

import (
	"crypto"
	_ "crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/merkle/testonly"
)

type inclusionQuery struct {
	Index uint64   `json:"index"`
	Size  uint64   `json:"size"`
	Proof []string `json:"proof,omitempty"`
}

type consistencyQuery struct {
	First  uint64   `json:"first"`
	Second uint64   `json:"second"`
	Proof  []string `json:"proof,omitempty"`
}

type input struct {
	Leaves      []string           `json:"leaves"`
	Inclusion   []inclusionQuery   `json:"inclusion"`
	Consistency []consistencyQuery `json:"consistency"`
}

type answer struct {
	Proof    []string `json:"proof"`
	Verifies *bool    `json:"verifies,omitempty"`
}

type output struct {
	Roots       []string `json:"roots"`
	Inclusion   []answer `json:"inclusion"`
	Consistency []answer `json:"consistency"`
}

func hexes(hashes [][]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = hex.EncodeToString(h)
	}
	return out
}

func unhex(in []string) ([][]byte, error) {
	out := make([][]byte, len(in))
	for i, s := range in {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func run() error {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	hasher := rfc6962.New(crypto.SHA256)
	tree := testonly.New(hasher)
	out := output{Roots: []string{hex.EncodeToString(tree.Hash())}}
	for _, leaf := range in.Leaves {
		tree.AppendData([]byte(leaf))
		out.Roots = append(out.Roots, hex.EncodeToString(tree.Hash()))
	}
	for _, q := range in.Inclusion {
		if q.Size > tree.Size() || q.Index >= q.Size {
			return fmt.Errorf("inclusion %d in %d: outside the tree of %d", q.Index, q.Size, tree.Size())
		}
		own, err := tree.InclusionProof(q.Index, q.Size)
		if err != nil {
			return err
		}
		a := answer{Proof: hexes(own)}
		if q.Proof != nil {
			given, err := unhex(q.Proof)
			if err != nil {
				return err
			}
			ok := proof.VerifyInclusion(hasher, q.Index, q.Size, tree.LeafHash(q.Index), given, tree.HashAt(q.Size)) == nil
			a.Verifies = &ok
		}
		out.Inclusion = append(out.Inclusion, a)
	}
	for _, q := range in.Consistency {
		if q.Second > tree.Size() || q.First > q.Second {
			return fmt.Errorf("consistency %d to %d: outside the tree of %d", q.First, q.Second, tree.Size())
		}
		own, err := tree.ConsistencyProof(q.First, q.Second)
		if err != nil {
			return err
		}
		a := answer{Proof: hexes(own)}
		if q.Proof != nil {
			given, err := unhex(q.Proof)
			if err != nil {
				return err
			}
			ok := proof.VerifyConsistency(hasher, q.First, q.Second, given, tree.HashAt(q.First), tree.HashAt(q.Second)) == nil
			a.Verifies = &ok
		}
		out.Consistency = append(out.Consistency, a)
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "merkle-check:", err)
		os.Exit(1)
	}
}
