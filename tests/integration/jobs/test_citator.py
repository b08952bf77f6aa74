"""The citator through the real pipeline: the citator corpus (bench.citator_corpus) built as PDFs
with the PDF factory, ingested by the batch job, then the cases stored later through the
upload path's per-document steps; every citation resolves as the corpus says."""

import numpy as np
import ray

from actors.index_actor import get_index_actor
from bench.citator_corpus import CORPUS, expected_cited
from jobs.ingest import run_ingest
from pipelines.document import process_registered_case, register_document
from tests import pdf_factory


class StubEmbedder:
    """Vectors of the model's size without loading it: the citator does not read them."""

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        vectors[:, 0] = 1.0
        return vectors


def resolved_as_expected(store, case_ids: dict[str, str], tenant_id: str) -> None:
    """Each stored opinion's citations point to the stored opinions the corpus says, the rest dangle."""
    for opinion in CORPUS:
        if opinion.name not in case_ids:
            continue
        found = {row["normalized"]: row for row in store.cites_of(case_ids[opinion.name], tenant_id=tenant_id)}
        assert set(found) == set(expected_cited(opinion)), opinion.name
        for key, expected in expected_cited(opinion).items():
            target = case_ids.get(expected.cites)
            row = found[key]
            assert (row["status"], row["cited_case_id"]) == ("resolved" if target else "dangling", target), (
                opinion.name, key)
            assert (row["depth"], tuple(row["pages"])) == (expected.depth, expected.pages), (opinion.name, key)


def test_citator_corpus_through_the_batch_job_then_the_upload_path(ray_address, settings, store, tmp_path):
    tenant = settings.ingest.tenant
    first = tmp_path / "first"
    first.mkdir()
    for opinion in CORPUS:
        if not opinion.later:
            (first / f"{opinion.name}.pdf").write_bytes(pdf_factory.text_pdf(opinion.page_texts()))
    summary, outcomes = run_ingest([str(first)], settings)
    assert summary["ingested"] == len(outcomes) == sum(not opinion.later for opinion in CORPUS)
    case_ids = {row["filename"].removesuffix(".pdf"): row["case_id"] for row in outcomes}
    resolved_as_expected(store, case_ids, tenant)
    brown = case_ids["brown_v_board"]
    assert store.cited_by(brown, tenant_id=tenant)[0]["case_id"] == case_ids["cooper_v_aaron"]

    # Cited before they were stored: Plessy (by Brown) and Kesavananda (by Bachan Singh, Puttaswamy).
    for opinion in CORPUS:
        if opinion.later:
            data = pdf_factory.text_pdf(opinion.page_texts())
            registration = register_document(data, f"{opinion.name}.pdf", store, settings, tenant_id=tenant)
            outcome = process_registered_case(
                registration.case_id, data, settings=settings, store=store, embedder=StubEmbedder(),
                index_actor=get_index_actor(settings), tenant_id=tenant, filename=f"{opinion.name}.pdf")
            assert outcome.status == "indexed", outcome
            case_ids[opinion.name] = registration.case_id
    resolved_as_expected(store, case_ids, tenant)
    later = [case_ids["kesavananda_bharati"], case_ids["plessy_v_ferguson"]]
    assert store.cited_by_counts(later, tenant_id=tenant) == dict(zip(later, [2, 1], strict=True))
    assert store.cases_citing(tenant_id=tenant, citation="(1978) 1 SCC 248") == sorted(
        [case_ids["bachan_singh"]])
    ray.kill(get_index_actor(settings), no_restart=True)
