"""What the demo ingested: one line per stored case, the index size, and where to look next."""

from __future__ import annotations

import sys

from lexray.settings import get_settings
from lexray.store import get_store


def case_lines(cases: list[dict]) -> list[str]:
    header = f"{'status':<9} {'pages':>5} {'chunks':>6}  {'file':<42} {'court':<45} decided"
    lines = [header, "-" * len(header)]
    for case in cases:
        metadata = case.get("metadata") or {}
        decided = metadata.get("date_decided")
        lines.append(
            f"{case['processing_status']:<9} {metadata.get('page_count', 0):>5} "
            f"{case.get('chunk_count', 0):>6}  {(case.get('original_filename') or '')[:42]:<42} "
            f"{(metadata.get('court') or '-')[:45]:<45} {decided.date() if decided else '-'}"
        )
        if case["processing_status"] == "failed":
            lines.append(f"{'':>24}reason: {case.get('failure_reason')}")
    return lines


def main() -> int:
    settings = get_settings()
    store = get_store(settings.mongodb)
    cases = list(store.cases.find({}, {"content": 0, "cleaned_content": 0, "processing_log": 0},
                                  sort=[("original_filename", 1)]))
    print()
    print("\n".join(case_lines(cases)))
    print(f"\n{len(cases)} cases, {store.count_chunks()} chunks in MongoDB "
          f"{settings.mongodb.uri}/{settings.mongodb.db}")
    print(f"Web app:       http://{settings.api.host}:{settings.api.port}/app/")
    print(f"Ray dashboard: http://127.0.0.1:{settings.ray.dashboard_port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
