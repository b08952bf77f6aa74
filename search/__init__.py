"""Search, pure: the index shards (FAISS vectors, BM25 beside them), the sharded index they form,
query passages, the case ranking the API serves and the benchmarks measure, snippets and IR
evaluation. No Ray and no MongoDB here (an import-linter contract): the index actor
(``actors.index_actor``) and the Retrieval deployment put it on the cluster."""
