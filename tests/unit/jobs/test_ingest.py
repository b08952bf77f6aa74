"""jobs.ingest: which files a batch job reads (the job itself: tests/integration/jobs/test_ingest.py)."""

from jobs.ingest import discover_documents


def test_links_are_not_followed_out_of_the_root(tmp_path):
    """With a root (a job the API started): a linked file leaving it is skipped and reported, a
    link to a folder is never followed; a linked file inside the root is read once."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "docs" / "sub").mkdir(parents=True)
    outside.mkdir()
    for path in (root / "docs" / "a.pdf", root / "docs" / "sub" / "b.PDF", outside / "secret.pdf"):
        path.write_bytes(b"%PDF-1.4")
    (root / "docs" / "leak.pdf").symlink_to(outside / "secret.pdf")
    (root / "docs" / "again.pdf").symlink_to(root / "docs" / "a.pdf")  # inside: the same file once
    (root / "docs" / "out").symlink_to(outside, target_is_directory=True)
    (root / "docs" / "in").symlink_to(root / "docs" / "sub", target_is_directory=True)
    found = discover_documents([str(root / "docs")], root)
    assert found.files == [(root / "docs" / "a.pdf").resolve(), (root / "docs" / "sub" / "b.PDF").resolve()]
    assert sorted(found.skipped_links) == sorted(str(root / "docs" / name) for name in ("in", "leak.pdf", "out"))
    assert discover_documents([str(root / "docs" / "out")], root).files == []
    # Without a root (an operator's CLI run), linked files are read; linked folders still not walked.
    assert (outside / "secret.pdf").resolve() in discover_documents([str(root / "docs")]).files
