"""The citator (collections ``citations`` and ``citable_cases``): what each case cites, resolved
to the stored cases of its tenant, and what each stored case can be cited as.

- ``citations``: one document per citing case and cited authority: ``case_id`` (the citing
  case: its records go with it), ``tenant_id``, ``position`` (most referenced first), the
  ``CitedAuthority`` fields (``citation``, ``normalized``, ``parallel``, ``case_name``,
  ``name_words``, ``year``, ``depth``, ``pages``, ``spans``), ``keys`` (its normalised
  citations), and its resolution: ``status`` (resolved / ambiguous / dangling),
  ``cited_case_id``, ``candidates``, ``matched_by``.
- ``citable_cases``: one ``CitableCase`` per recorded case (its own ``keys``, its title's
  ``name_words``, ``year``, ``title``, ``dockets``).

The rule is ``lexray.citator.CitableIndex`` (by citation first, then by name and year), applied
to the citable cases the indexes bring up. Recording a case resolves what it cites, then resolves
again the tenant's citations that match it (dangling ones a newly stored case answers, and
ones it makes ambiguous); deleting a case takes its records and resolves again what pointed to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pymongo import UpdateOne

from lexray.citator import CitableIndex, citable_case, citation_years, decision_years
from lexray.models import CaseCitations, CitableCase, CitationResolution, CitationStatus, CitedAuthority
from lexray.store.connection import CITABLE_CASES, CITATIONS
from lexray.store.documents import tenant_scope
from lexray.store.erasures import CaseErasedError, ErasureReceipts

# Citations resolved per query: keeps each $in list, and the citable cases it brings up, bounded.
RESOLVE_BATCH = 500
RESOLUTION_FIELDS = ("status", "cited_case_id", "candidates", "matched_by")


class CitationRecords(ErasureReceipts):
    def _ensure_citation_indexes(self) -> None:
        citations = self.db[CITATIONS]
        citations.create_index([("case_id", 1), ("normalized", 1)], unique=True)
        citations.create_index([("tenant_id", 1), ("case_id", 1)])
        citations.create_index([("tenant_id", 1), ("cited_case_id", 1)])
        citations.create_index([("tenant_id", 1), ("candidates", 1)])
        citations.create_index([("tenant_id", 1), ("keys", 1)])
        citations.create_index([("tenant_id", 1), ("year", 1), ("name_words", 1)])
        citable = self.db[CITABLE_CASES]
        citable.create_index("case_id", unique=True)
        citable.create_index([("tenant_id", 1), ("keys", 1)])
        citable.create_index([("tenant_id", 1), ("year", 1), ("name_words", 1)])

    # Writes

    def record_citations(
        self, case_id: str, *, tenant_id: str, citations: CaseCitations, title: str | None, year: int | None
    ) -> dict[str, int]:
        """Store what a case is cited as and what it cites (replacing an earlier record), resolve
        what it cites among the tenant's cases, and resolve again the tenant's citations that
        match it. Counts: ``cited`` and how many are ``resolved``, ``ambiguous``, ``dangling``;
        ``re_resolved``, other cases' citations whose resolution changed.

        CaseErasedError when the case was erased, checked before and after writing (as
        ``replace_chunks`` does), so an erasure meanwhile leaves nothing behind."""
        if self.was_erased(case_id):
            raise CaseErasedError(f"case {case_id} was erased: its citations are not written")
        citable = citable_case(case_id, citations, title=title, year=year, tenant_id=tenant_id)
        self.db[CITABLE_CASES].replace_one({"case_id": case_id}, citable.model_dump(mode="json"), upsert=True)
        records = [_record(case_id, tenant_id, position, cited) for position, cited in enumerate(citations.cited)]
        for record, resolution in zip(records, self._resolutions(tenant_id, records), strict=True):
            record.update(_resolution_fields(resolution))
        self.db[CITATIONS].delete_many({"case_id": case_id})
        if records:
            self.db[CITATIONS].insert_many(records, ordered=False)
        re_resolved = self._resolve_again(tenant_id, self._citations_matching(citable))
        # A case that stored its citable record while this one resolved (before it was there)
        # and looked for matching citations before these were written: look once more.
        self._resolve_again(tenant_id, self._records({"case_id": case_id, "status": {"$ne": "resolved"}}))
        if self.was_erased(case_id):
            self._delete_citations_of(case_id)
            raise CaseErasedError(f"case {case_id} was erased while its citations were written")
        counts = {"cited": len(records), "re_resolved": re_resolved}
        for status in CitationStatus:
            counts[status.value] = self.db[CITATIONS].count_documents({"case_id": case_id, "status": status.value})
        return counts

    def _delete_citations_of(self, case_id: str) -> int:
        """Remove a case's citations and its citable record, and resolve again the citations
        of other cases that pointed to it; how many of its records were removed."""
        citable = self.db[CITABLE_CASES].find_one({"case_id": case_id}, {"_id": 0, "tenant_id": 1})
        removed = self.db[CITATIONS].delete_many({"case_id": case_id}).deleted_count
        removed += self.db[CITABLE_CASES].delete_one({"case_id": case_id}).deleted_count
        if citable is not None:
            tenant_id = citable["tenant_id"]
            pointing = self._records({"tenant_id": tenant_id,
                                      "$or": [{"cited_case_id": case_id}, {"candidates": case_id}]})
            self._resolve_again(tenant_id, pointing)
        return removed

    # Reads

    def cites_of(self, case_id: str, *, tenant_id: str) -> list[dict]:
        """What ``tenant_id``'s case cites, most referenced first: each record's citation,
        normalized, parallel, case_name, year, depth, pages, spans and resolution (status,
        cited_case_id (None unless resolved), candidates, matched_by)."""
        fields = {"_id": 0, "tenant_id": 0, "name_words": 0, "keys": 0}
        return list(self.db[CITATIONS].find({"tenant_id": tenant_id, "case_id": case_id}, fields)
                    .sort([("depth", -1), ("position", 1)]))

    def cited_by(self, case_id: str, *, tenant_id: str) -> list[dict]:
        """``tenant_id``'s cases that cite the case (resolved citations only), most references
        first: ``case_id``, ``title``, ``depth``, ``pages``, and the ``citation`` they used."""
        citing: dict[str, dict] = {}
        rows = self.db[CITATIONS].find({"tenant_id": tenant_id, "cited_case_id": case_id},
                                       {"_id": 0, "case_id": 1, "depth": 1, "pages": 1, "citation": 1})
        for row in rows.sort("position", 1):
            # Two citations in one case may resolve to the same case (different reporters).
            entry = citing.setdefault(row["case_id"], {"case_id": row["case_id"], "title": None, "depth": 0,
                                                       "pages": [], "citation": row["citation"]})
            entry["depth"] += row["depth"]
            entry["pages"] = sorted(set(entry["pages"]) | set(row["pages"]))
        for citing_id, title in self._titles(citing, tenant_id).items():
            citing[citing_id]["title"] = title
        return sorted(citing.values(), key=lambda entry: (-entry["depth"], entry["case_id"]))

    def without_citator_record(self, case_ids: list[str]) -> list[str]:
        """Those of ``case_ids`` the citator holds no record of (cases stored before it existed,
        or whose recording failed): what ``jobs.citator_backfill`` fills in."""
        recorded = {row["case_id"] for row in self.db[CITABLE_CASES].find(
            {"case_id": {"$in": case_ids}}, {"_id": 0, "case_id": 1})}
        return [case_id for case_id in case_ids if case_id not in recorded]

    def cited_by_counts(self, case_ids: list[str], *, tenant_id: str) -> dict[str, int]:
        """case_id -> how many of ``tenant_id``'s cases cite it (cases cited by none are left out)."""
        pipeline = [{"$match": {"tenant_id": tenant_id, "cited_case_id": {"$in": case_ids}}},
                    {"$group": {"_id": {"cited": "$cited_case_id", "citing": "$case_id"}}},
                    {"$group": {"_id": "$_id.cited", "count": {"$sum": 1}}}]
        return {row["_id"]: row["count"] for row in self.db[CITATIONS].aggregate(pipeline)}

    def cases_citing(self, *, tenant_id: str | None, case_id: str | None = None, citation: str | None = None) -> list[str]:
        """Ids of ``tenant_id``'s cases that cite a stored case (``case_id``, resolved citations)
        or a normalised citation (``citation``, whether or not it resolved), sorted."""
        if (case_id is None) == (citation is None):
            raise ValueError("give one of case_id and citation")
        query = {"cited_case_id": case_id} if case_id is not None else {"keys": citation}
        rows = self.db[CITATIONS].find(tenant_scope(query, tenant_id), {"_id": 0, "case_id": 1})
        return sorted({row["case_id"] for row in rows})

    def citation_links(self, case_ids: list[str], *, tenant_id: str) -> dict[str, set[str]]:
        """For each of ``case_ids``, the cases it cites or is cited by (resolved citations only):
        what ranking's citation smoothing reads (``search.priors.CaseSignals``)."""
        links: dict[str, set[str]] = {case_id: set() for case_id in case_ids}
        # A search makes this read every round: two reads each exactly on an index (tenant and
        # side), the status checked here. An $or, or a third field in the filter, made the
        # bundled MongoDB-protocol server scan the tenant's citations (1.1 s at 15,000 records).
        fields = {"_id": 0, "case_id": 1, "cited_case_id": 1, "status": 1}
        for side in ("case_id", "cited_case_id"):
            for row in self.db[CITATIONS].find({"tenant_id": tenant_id, side: {"$in": case_ids}}, fields):
                if row.get("status") != CitationStatus.RESOLVED.value:
                    continue
                citing, cited = row["case_id"], row["cited_case_id"]
                if citing in links:
                    links[citing].add(cited)
                if cited in links:
                    links[cited].add(citing)
        return links

    def resolve_authorities(
        self, authorities: list[CitedAuthority], *, tenant_id: str, citing_case_id: str | None = None
    ) -> list[CitationResolution]:
        """Which of ``tenant_id``'s cases each authority refers to (the text of a request, not a
        stored case: nothing is written)."""
        records = [{"case_id": citing_case_id, "keys": authority.keys, "name_words": authority.name_words,
                    "year": authority.year} for authority in authorities]
        return self._resolutions(tenant_id, records)

    def citable_case(self, case_id: str, *, tenant_id: str) -> dict | None:
        """What ``tenant_id``'s case can be cited as, or None."""
        return self.db[CITABLE_CASES].find_one({"tenant_id": tenant_id, "case_id": case_id}, {"_id": 0})

    # Resolution

    def _resolutions(self, tenant_id: str, records: list[dict]) -> list[CitationResolution]:
        """Each record's resolution among the tenant's citable cases, in batches."""
        resolutions: list[CitationResolution] = []
        for start in range(0, len(records), RESOLVE_BATCH):
            batch = records[start:start + RESOLVE_BATCH]
            index = CitableIndex(self._citable_for(tenant_id, batch))
            resolutions += [index.resolve(record["keys"], record["name_words"], record["year"],
                                          citing_case_id=record["case_id"]) for record in batch]
        return resolutions

    def _citable_for(self, tenant_id: str, records: list[dict]) -> list[CitableCase]:
        """The tenant's citable cases that may match any of ``records``: a key in common, or the
        year and a name word."""
        keys = sorted({key for record in records for key in record["keys"]})
        words_by_year: dict[int, set[str]] = defaultdict(set)
        for record in records:
            if record["year"] is not None:
                for decided in decision_years(record["year"]):
                    words_by_year[decided].update(record["name_words"])
        branches: list[dict] = [{"keys": {"$in": keys}}] if keys else []
        branches += [{"year": year, "name_words": {"$in": sorted(words)}}
                     for year, words in words_by_year.items() if words]
        if not branches:
            return []
        rows = self.db[CITABLE_CASES].find({"tenant_id": tenant_id, "$or": branches}, {"_id": 0})
        return [CitableCase.model_validate(row) for row in rows]

    def _citations_matching(self, citable: CitableCase) -> list[dict]:
        """Other cases' citations a newly recorded case may answer or make ambiguous, and those
        that pointed to it before (its identity may have changed)."""
        branches: list[dict] = [{"cited_case_id": citable.case_id}, {"candidates": citable.case_id}]
        if citable.keys:
            branches.append({"keys": {"$in": citable.keys}})
        if citable.year is not None and citable.name_words:
            branches.append({"year": {"$in": list(citation_years(citable.year))},
                             "name_words": {"$in": citable.name_words}})
        rows = self._records({"tenant_id": citable.tenant_id, "case_id": {"$ne": citable.case_id}, "$or": branches})
        words = set(citable.name_words)
        return [row for row in rows if row.get("cited_case_id") == citable.case_id
                or citable.case_id in row.get("candidates", ()) or set(row["keys"]) & set(citable.keys)
                or (row["year"] in citation_years(citable.year) and words.issuperset(row["name_words"]))]

    def _resolve_again(self, tenant_id: str, records: list[dict]) -> int:
        """Resolve ``records`` again and write the ones whose resolution changed; how many."""
        updates = []
        for record, resolution in zip(records, self._resolutions(tenant_id, records), strict=True):
            fields = _resolution_fields(resolution)
            if any(record.get(name) != fields[name] for name in RESOLUTION_FIELDS):
                updates.append(UpdateOne({"_id": record["_id"]}, {"$set": fields}))
        if updates:
            self.db[CITATIONS].bulk_write(updates, ordered=False)
        return len(updates)

    def _records(self, query: dict) -> list[dict]:
        fields = {"_id": 1, "case_id": 1, "keys": 1, "name_words": 1, "year": 1, **dict.fromkeys(RESOLUTION_FIELDS, 1)}
        return list(self.db[CITATIONS].find(query, fields))

    def _titles(self, case_ids: Iterable[str], tenant_id: str) -> dict[str, str | None]:
        rows = self.db[CITABLE_CASES].find({"tenant_id": tenant_id, "case_id": {"$in": sorted(set(case_ids))}},
                                           {"_id": 0, "case_id": 1, "title": 1})
        return {row["case_id"]: row.get("title") for row in rows}


def _record(case_id: str, tenant_id: str, position: int, cited: CitedAuthority) -> dict:
    return {"case_id": case_id, "tenant_id": tenant_id, "position": position, "keys": cited.keys,
            **cited.model_dump(mode="json")}


def _resolution_fields(resolution: CitationResolution) -> dict:
    return {"status": resolution.status.value, "cited_case_id": resolution.case_id,
            "candidates": resolution.candidates, "matched_by": resolution.matched_by}
