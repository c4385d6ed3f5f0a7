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
#include <new>
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

// Fixed-capacity node: keys and values/children live inline (one allocation,
// contiguous), nodes come from a bump arena freed in one go.
struct Node {
    uint32_t count = 0;
    bool leaf = true;
    Node* next = nullptr;            // leaves: right sibling
    uint64_t keys[kMaxKeys + 1];
    union {
        uint64_t values[kMaxKeys + 1];
        Node* children[kMaxKeys + 2];
    };
};

// Position of key in a small sorted array by counting smaller keys: the loads are
// independent and there is no data-dependent branch, unlike a binary search.
inline size_t lower_idx(const uint64_t* a, size_t n, uint64_t key) {
    size_t c = 0;
    for (size_t i = 0; i < n; ++i) c += a[i] < key;
    return c;
}
inline size_t upper_idx(const uint64_t* a, size_t n, uint64_t key) {
    size_t c = 0;
    for (size_t i = 0; i < n; ++i) c += a[i] <= key;
    return c;
}

class BPlusTree {
public:
    BPlusTree() { root_ = alloc(); }
    ~BPlusTree() { for (Node* b : blocks_) ::operator delete(b); }
    BPlusTree(const BPlusTree&) = delete;
    BPlusTree& operator=(const BPlusTree&) = delete;

    size_t size() const { return size_; }
    size_t height() const { return height_; }

    void insert(uint64_t key, uint64_t value) {
        Node* path[64];
        size_t depth = 0;
        Node* leaf = root_;
        while (!leaf->leaf) {
            path[depth++] = leaf;
            leaf = leaf->children[upper_idx(leaf->keys, leaf->count, key)];
        }
        size_t n = leaf->count;
        size_t i = lower_idx(leaf->keys, n, key);
        if (i < n && leaf->keys[i] == key) {
            leaf->values[i] = value;
            return;
        }
        std::memmove(leaf->keys + i + 1, leaf->keys + i, (n - i) * sizeof(uint64_t));
        std::memmove(leaf->values + i + 1, leaf->values + i, (n - i) * sizeof(uint64_t));
        leaf->keys[i] = key;
        leaf->values[i] = value;
        leaf->count = n + 1;
        ++size_;
        if (leaf->count > kMaxKeys) split(leaf, path, depth);
    }

    bool find(uint64_t key, uint64_t* value) const {
        const Node* n = root_;
        while (!n->leaf) n = n->children[upper_idx(n->keys, n->count, key)];
        size_t i = lower_idx(n->keys, n->count, key);
        if (i == n->count || n->keys[i] != key) return false;
        *value = n->values[i];
        return true;
    }

    size_t count_leaves() const {
        const Node* n = root_;
        while (!n->leaf) n = n->children[0];
        size_t c = 0;
        for (; n; n = n->next) ++c;
        return c;
    }

private:
    static constexpr size_t kBlock = 256;
    Node* root_;
    size_t size_ = 0;
    size_t height_ = 1;
    std::vector<Node*> blocks_;
    size_t used_ = kBlock;

    Node* alloc() {
        if (used_ == kBlock) {
            blocks_.push_back(static_cast<Node*>(::operator new(kBlock * sizeof(Node))));
            used_ = 0;
        }
        return new (blocks_.back() + used_++) Node;
    }

    void split(Node* n, Node** path, size_t depth) {
        while (n->count > kMaxKeys) {
            Node* right = alloc();
            right->leaf = n->leaf;
            size_t cnt = n->count, mid = cnt / 2;
            uint64_t sep;
            if (n->leaf) {
                right->count = cnt - mid;
                std::memcpy(right->keys, n->keys + mid, (cnt - mid) * sizeof(uint64_t));
                std::memcpy(right->values, n->values + mid, (cnt - mid) * sizeof(uint64_t));
                n->count = mid;
                right->next = n->next;
                n->next = right;
                sep = right->keys[0];
            } else {
                sep = n->keys[mid];
                right->count = cnt - mid - 1;
                std::memcpy(right->keys, n->keys + mid + 1, (cnt - mid - 1) * sizeof(uint64_t));
                std::memcpy(right->children, n->children + mid + 1, (cnt - mid) * sizeof(Node*));
                n->count = mid;
            }
            if (depth == 0) {
                Node* root = alloc();
                root->leaf = false;
                root->count = 1;
                root->keys[0] = sep;
                root->children[0] = n;
                root->children[1] = right;
                root_ = root;
                ++height_;
                return;
            }
            Node* parent = path[--depth];
            size_t pc = parent->count;
            size_t i = upper_idx(parent->keys, pc, sep);
            std::memmove(parent->keys + i + 1, parent->keys + i, (pc - i) * sizeof(uint64_t));
            std::memmove(parent->children + i + 2, parent->children + i + 1, (pc - i) * sizeof(Node*));
            parent->keys[i] = sep;
            parent->children[i + 1] = right;
            parent->count = pc + 1;
            n = parent;
        }
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
