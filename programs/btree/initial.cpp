// B+-tree of uint64 keys -> uint64 values: every call builds a fresh tree from a
// stream of inserts (with some overwrites of existing keys), then answers a stream of
// point lookups (about half of them come from the inserted key domain).
//
// params: 2 little-endian uint64 (number of inserts n, number of lookups m).
// input: n insert keys then m lookup keys, little-endian uint64 each ((n + m) * 8 bytes).
// Output: 6 little-endian uint64 values (lookup checksum, hits, misses, distinct keys,
// tree height, leaf count); 0 bytes on malformed input.
//
// The harness generates a fresh input for every call: insert keys are drawn from a domain of
// about n * 6 / 5 random keys (so some inserts overwrite), half of the lookups from the same
// domain and half are arbitrary 64-bit values.
#include "aiopt.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t load_u64(const unsigned char* p) {
    uint64_t v;  // little-endian host (x86-64, aarch64): one load
    std::memcpy(&v, p, sizeof v);
    return v;
}

// The key streams of the current call (decoded from the input) and its result.
struct State {
    size_t inserts = 0, lookups = 0;  // fixed sizes from params
    bool valid = false;
    std::vector<uint64_t> insert_keys;
    std::vector<uint64_t> lookup_keys;
    uint64_t result[6];
};

// EVOLVE-BLOCK-START
constexpr size_t kMaxKeys = 64;  // a node splits when it holds more keys than this

struct Node {
    bool leaf = true;
    std::vector<uint64_t> keys;
    std::vector<uint64_t> values;    // leaves: values[i] belongs to keys[i]
    std::vector<Node*> children;     // inner nodes: keys.size() + 1 children
    Node* next = nullptr;            // leaves: right sibling
};

class BPlusTree {
public:
    BPlusTree() : root_(new Node) {}
    ~BPlusTree() { destroy(root_); }
    BPlusTree(const BPlusTree&) = delete;
    BPlusTree& operator=(const BPlusTree&) = delete;

    size_t size() const { return size_; }
    size_t height() const { return height_; }

    void insert(uint64_t key, uint64_t value) {
        std::vector<Node*> path;
        Node* leaf = descend(key, path);
        auto it = std::lower_bound(leaf->keys.begin(), leaf->keys.end(), key);
        size_t i = it - leaf->keys.begin();
        if (it != leaf->keys.end() && *it == key) {
            leaf->values[i] = value;
            return;
        }
        leaf->keys.insert(it, key);
        leaf->values.insert(leaf->values.begin() + i, value);
        ++size_;
        if (leaf->keys.size() > kMaxKeys) split(leaf, path);
    }

    bool find(uint64_t key, uint64_t* value) const {
        std::vector<Node*> path;
        Node* leaf = descend(key, path);
        auto it = std::lower_bound(leaf->keys.begin(), leaf->keys.end(), key);
        if (it == leaf->keys.end() || *it != key) return false;
        *value = leaf->values[it - leaf->keys.begin()];
        return true;
    }

    size_t count_leaves() const {
        const Node* n = root_;
        while (!n->leaf) n = n->children.front();
        size_t c = 0;
        for (; n; n = n->next) ++c;
        return c;
    }

private:
    Node* root_;
    size_t size_ = 0;
    size_t height_ = 1;

    // Walks from the root to the leaf responsible for key, recording the inner
    // nodes passed on the way (needed to propagate splits upwards).
    Node* descend(uint64_t key, std::vector<Node*>& path) const {
        Node* n = root_;
        while (!n->leaf) {
            path.push_back(n);
            size_t i = std::upper_bound(n->keys.begin(), n->keys.end(), key) - n->keys.begin();
            n = n->children[i];
        }
        return n;
    }

    void split(Node* n, std::vector<Node*>& path) {
        while (n->keys.size() > kMaxKeys) {
            Node* right = new Node;
            right->leaf = n->leaf;
            size_t mid = n->keys.size() / 2;
            uint64_t sep;
            if (n->leaf) {
                right->keys.assign(n->keys.begin() + mid, n->keys.end());
                right->values.assign(n->values.begin() + mid, n->values.end());
                n->keys.resize(mid);
                n->values.resize(mid);
                right->next = n->next;
                n->next = right;
                sep = right->keys.front();
            } else {
                sep = n->keys[mid];
                right->keys.assign(n->keys.begin() + mid + 1, n->keys.end());
                right->children.assign(n->children.begin() + mid + 1, n->children.end());
                n->keys.resize(mid);
                n->children.resize(mid + 1);
            }
            if (path.empty()) {
                Node* root = new Node;
                root->leaf = false;
                root->keys.push_back(sep);
                root->children.push_back(n);
                root->children.push_back(right);
                root_ = root;
                ++height_;
                return;
            }
            Node* parent = path.back();
            path.pop_back();
            size_t i = std::upper_bound(parent->keys.begin(), parent->keys.end(), sep) - parent->keys.begin();
            parent->keys.insert(parent->keys.begin() + i, sep);
            parent->children.insert(parent->children.begin() + i + 1, right);
            n = parent;
        }
    }

    static void destroy(Node* n) {
        if (!n->leaf)
            for (Node* c : n->children) destroy(c);
        delete n;
    }
};

void run(State* s) {
    BPlusTree tree;
    for (size_t i = 0; i < s->insert_keys.size(); ++i) {
        uint64_t k = s->insert_keys[i];
        tree.insert(k, k * 0x9E3779B97F4A7C15ull + i);
    }
    uint64_t sum = 0, hits = 0, misses = 0;
    for (uint64_t k : s->lookup_keys) {
        uint64_t v;
        if (tree.find(k, &v)) {
            ++hits;
            sum = (sum ^ v) * 0x100000001B3ull + hits;
        } else {
            ++misses;
        }
    }
    s->result[0] = sum;
    s->result[1] = hits;
    s->result[2] = misses;
    s->result[3] = tree.size();
    s->result[4] = tree.height();
    s->result[5] = tree.count_leaves();
}
// EVOLVE-BLOCK-END

}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t len) {
    State* s = new State;
    if (params && len == 16) {
        s->inserts = load_u64(params);
        s->lookups = load_u64(params + 8);
        s->valid = s->inserts <= (1u << 28) && s->lookups <= (1u << 28);
    }
    if (s->valid) {
        s->insert_keys.reserve(s->inserts);
        s->lookup_keys.reserve(s->lookups);
    }
    std::memset(s->result, 0, sizeof s->result);
    return s;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t len,
                            unsigned char* out, size_t cap) {
    State* s = static_cast<State*>(state);
    if (!s || !s->valid || !input || len != (s->inserts + s->lookups) * 8) return 0;
    s->insert_keys.resize(s->inserts);
    s->lookup_keys.resize(s->lookups);
    for (size_t i = 0; i < s->inserts; ++i) s->insert_keys[i] = load_u64(input + 8 * i);
    input += 8 * s->inserts;
    for (size_t i = 0; i < s->lookups; ++i) s->lookup_keys[i] = load_u64(input + 8 * i);
    run(s);
    const size_t n = sizeof s->result;
    if (!out || cap < n) return n;
    for (int i = 0; i < 6; ++i)
        for (int b = 0; b < 8; ++b) out[i * 8 + b] = (unsigned char)(s->result[i] >> (8 * b));
    return n;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
