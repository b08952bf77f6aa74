"""A small corpus of real-looking opinions that cite each other, with what the citator should
find in each: the tests (``tests/unit/pipelines/enrich/test_citator.py``, the store and the
pipeline's integration tests) and ``bench.citator`` read the same one.

Public-domain citation strings of the Supreme Court of the United States and of the Supreme
Court of India, written as the reports print them (the opinions' words are short paraphrases).
Each body is a list of pages, each page a list of text pieces and ``Ref``s (a reference to a
cited case, as written, with the normalised citation of the case it refers to), so what the
citator should find (authorities, their depth and pages) follows from the text. The forms:
full citations, parallel citations (US and Indian), nominative reports, short forms
("5 U.S., at 176"), id. and ibid., supra ("Brown, supra", "Maneka Gandhi (supra)"), a case
matched by name and year only ("1 Cranch 137"; Colegrove's caption prints its S. Ct. citation
only), citations of cases outside the corpus (dangling), and two cases ingested after the cases
that cite them (``later``).

>>> [opinion.name for opinion in CORPUS if opinion.later]
['plessy_v_ferguson', 'kesavananda_bharati']
>>> brown = expected_cited(opinion_named("cooper_v_aaron"))["347 U.S. 483"]
>>> brown.parallel, brown.depth, brown.pages, brown.cites
(('74 S. Ct. 686', '98 L. Ed. 873'), 3, (1, 2), 'brown_v_board')
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """A reference to a cited case as the opinion writes it: ``key`` is the normalised citation
    of the case referred to (the first one of a parallel group, the others in ``parallel``);
    ``cites`` names the corpus opinion it must resolve to when no citation in common says so
    (matched by case name and year)."""

    text: str
    key: str
    parallel: tuple[str, ...] = ()
    cites: str | None = None


@dataclass(frozen=True)
class Opinion:
    """One opinion: caption lines (its own citations printed there), body pages."""

    name: str
    title_words: tuple[str, ...]  # words its extracted title must hold (name matching relies on them)
    caption: str
    own: tuple[str, ...]  # its own normalised citations
    pages: tuple[tuple[str | Ref, ...], ...]
    later: bool = False

    def page_texts(self) -> list[str]:
        """The opinion's pages as text: the caption on the first."""
        texts = ["".join(piece if isinstance(piece, str) else piece.text for piece in page) for page in self.pages]
        texts[0] = self.caption + texts[0]
        return texts

    def references(self) -> list[tuple[Ref, int]]:
        """Every reference with its page number, in order."""
        return [(piece, number) for number, page in enumerate(self.pages, start=1)
                for piece in page if isinstance(piece, Ref)]


@dataclass(frozen=True)
class ExpectedAuthority:
    key: str
    parallel: tuple[str, ...]
    depth: int
    pages: tuple[int, ...]
    cites: str | None  # the corpus opinion it resolves to; None: not in the corpus (dangling)


US = "SUPREME COURT OF THE UNITED STATES\n\n"
INDIA = "IN THE SUPREME COURT OF INDIA\n\n"

CORPUS: tuple[Opinion, ...] = (
    Opinion(
        name="marbury_v_madison", title_words=("marbury", "madison"),
        caption=US + "5 U.S. (1 Cranch) 137\n\nWILLIAM MARBURY, Plaintiff,\n\nv.\n\nJAMES MADISON, Secretary of State, "
                "Defendant.\n\nDecided February 24, 1803\n\n",
        own=("5 U.S. 137",),
        pages=((
            "CHIEF JUSTICE MARSHALL delivered the opinion of the Court. The authority given to the Supreme Court by "
            "the act establishing the judicial courts of the United States, to issue writs of mandamus to public "
            "officers, appears not to be warranted by the Constitution. It is emphatically the province and duty of "
            "the judicial department to say what the law is. Those who apply the rule to particular cases must of "
            "necessity expound and interpret that rule.\n\n",
        ), (
            "If two laws conflict with each other, the courts must decide on the operation of each. A law repugnant "
            "to the Constitution is void, and courts, as well as other departments, are bound by that instrument. "
            "The rule must be discharged.\n\n",
        )),
    ),
    Opinion(
        name="mcculloch_v_maryland", title_words=("mcculloch", "maryland"),
        caption=US + "17 U.S. (4 Wheat.) 316\n\nJAMES McCULLOCH, Petitioner,\n\nv.\n\nTHE STATE OF MARYLAND, "
                "Respondent.\n\nDecided March 6, 1819\n\n",
        own=("17 U.S. 316",),
        pages=((
            "CHIEF JUSTICE MARSHALL delivered the opinion of the Court. The question is whether Congress has power "
            "to incorporate a bank. It is the province of this Court to say what the law is, ",
            Ref("Marbury v. Madison, 5 U.S. 137, 177 (1803)", "5 U.S. 137"),
            ", and the Constitution is the supreme law. ",
            Ref("Id., at 178", "5 U.S. 137"),
            ". The government of the Union is one of enumerated powers.\n\n",
        ), (
            "Let the end be legitimate, let it be within the scope of the Constitution, and all means which are "
            "appropriate are constitutional. A law repugnant to the Constitution is void. See ",
            Ref("5 U.S., at 176", "5 U.S. 137"),
            ". The power to tax involves the power to destroy. The act of Maryland is void.\n\n",
        )),
    ),
    Opinion(
        name="gibbons_v_ogden", title_words=("gibbons", "ogden"),
        caption=US + "22 U.S. 1\n\nTHOMAS GIBBONS, Appellant,\n\nv.\n\nAARON OGDEN, Respondent.\n\n"
                "Decided March 2, 1824\n\n",
        own=("22 U.S. 1",),
        pages=((
            "CHIEF JUSTICE MARSHALL delivered the opinion of the Court. The power to regulate commerce is complete "
            "in itself. The Constitution is to be read as the instrument of a people, as this Court held in ",
            Ref("McCulloch v. Maryland, 17 U.S. 316, 405 (1819)", "17 U.S. 316"),
            ". Congress may choose its means. ",
            Ref("McCulloch, supra, at 421", "17 U.S. 316"),
            ".\n\n",
        ), (
            "It is for the courts to say what the Constitution means. ",
            Ref("Marbury v. Madison, 5 U.S. 137 (1803)", "5 U.S. 137"),
            ". The laws of New York granting an exclusive right to navigate the waters of the State are repugnant "
            "to the act of Congress and void. The decree is reversed.\n\n",
        )),
    ),
    Opinion(
        name="colegrove_v_green", title_words=("colegrove", "green"),
        caption=US + "66 S. Ct. 1198\n\nKENNETH W. COLEGROVE, et al., Appellants,\n\nv.\n\nDWIGHT H. GREEN, "
                "et al., Appellees.\n\nDecided June 10, 1946\n\n",
        own=("66 S. Ct. 1198",),
        pages=((
            "MR. JUSTICE FRANKFURTER announced the judgment of the Court. The appellants ask the Court to declare "
            "the districts of Illinois invalid. Courts ought not to enter this political thicket. The guaranty of a "
            "republican form of government is not enforceable by the courts. ",
            Ref("Luther v. Borden, 48 U.S. 1 (1849)", "48 U.S. 1"),
            ". The petition is dismissed.\n\n",
        ),),
    ),
    Opinion(
        name="brown_v_board", title_words=("brown", "board", "education"),
        caption="347 U.S. 483, 74 S. Ct. 686, 98 L. Ed. 873\n\n" + US + "OLIVER BROWN, et al., Appellants,\n\nv.\n\n"
                "BOARD OF EDUCATION OF TOPEKA, et al., Appellees.\n\nDecided May 17, 1954\n\n",
        own=("347 U.S. 483", "74 S. Ct. 686", "98 L. Ed. 873"),
        pages=((
            "MR. CHIEF JUSTICE WARREN delivered the opinion of the Court. The plaintiffs contend that segregated "
            "public schools are not equal. The doctrine of separate but equal appeared in ",
            Ref("Plessy v. Ferguson, 163 U.S. 537 (1896)", "163 U.S. 537"),
            ", involving not education but transportation. In ",
            Ref("Sweatt v. Painter, 339 U.S. 629 (1950)", "339 U.S. 629"),
            ", the Court found a law school unequal. ",
            Ref("Id., at 634", "339 U.S. 629"),
            ".\n\n",
        ), (
            "Whatever may have been the extent of psychological knowledge at the time of ",
            Ref("Plessy v. Ferguson, supra", "163 U.S. 537"),
            ", this finding is amply supported. Any language in ",
            Ref("163 U.S., at 551", "163 U.S. 537"),
            " contrary to this finding is rejected. Separate educational facilities are inherently unequal.\n\n",
        )),
    ),
    Opinion(
        name="cooper_v_aaron", title_words=("cooper", "aaron"),
        caption=US + "358 U.S. 1\n\nWILLIAM G. COOPER, et al., Petitioners,\n\nv.\n\nJOHN AARON, et al., "
                "Respondents.\n\nDecided September 29, 1958\n\n",
        own=("358 U.S. 1",),
        pages=((
            "Opinion of the Court by THE CHIEF JUSTICE. This case raises questions of the highest importance to "
            "the maintenance of our federal system. It necessarily involves a claim that there is no duty to obey "
            "the holding in ",
            Ref("Brown v. Board of Education, 347 U.S. 483, 74 S. Ct. 686, 98 L. Ed. 873 (1954)", "347 U.S. 483",
                ("74 S. Ct. 686", "98 L. Ed. 873")),
            ". The constitutional rights of children are not to be sacrificed to violence. ",
            Ref("347 U.S., at 495", "347 U.S. 483"),
            ".\n\n",
        ), (
            "Article VI makes the Constitution the supreme law of the land. In 1803, Chief Justice Marshall, "
            "speaking for a unanimous Court, declared that it is emphatically the province and duty of the "
            "judicial department to say what the law is. ",
            Ref("Marbury v. Madison, 1 Cranch 137, 177 (1803)", "1 Cranch 137", cites="marbury_v_madison"),
            ". ",
            Ref("Id., at 178", "1 Cranch 137"),
            ". The interpretation of the Fourteenth Amendment enunciated by this Court in ",
            Ref("Brown, supra", "347 U.S. 483"),
            " is the supreme law of the land.\n\n",
        )),
    ),
    Opinion(
        name="baker_v_carr", title_words=("baker", "carr"),
        caption=US + "369 U.S. 186\n\nCHARLES W. BAKER, et al., Appellants,\n\nv.\n\nJOE C. CARR, et al., "
                "Appellees.\n\nDecided March 26, 1962\n\n",
        own=("369 U.S. 186",),
        pages=((
            "MR. JUSTICE BRENNAN delivered the opinion of the Court. The appellants allege that the apportionment "
            "of the Tennessee General Assembly debases their votes. The District Court relied on ",
            Ref("Colegrove v. Green, 328 U.S. 549 (1946)", "328 U.S. 549", cites="colegrove_v_green"),
            ". But ",
            Ref("Colegrove, supra", "328 U.S. 549"),
            ", does not hold that such claims are beyond the courts.\n\n",
        ), (
            "Deciding whether a matter has been committed to another branch is itself a delicate exercise in "
            "constitutional interpretation, and a responsibility of this Court as ultimate interpreter of the "
            "Constitution. ",
            Ref("Marbury v. Madison, 5 U.S. 137, 177 (1803)", "5 U.S. 137"),
            ". The Guaranty Clause is not a repository of judicially manageable standards. ",
            Ref("Luther v. Borden, 48 U.S. 1 (1849)", "48 U.S. 1"),
            ". ",
            Ref("Id., at 42", "48 U.S. 1"),
            ". Congress's commerce power is broad. ",
            Ref("Gibbons v. Ogden, 22 U.S. 1 (1824)", "22 U.S. 1"),
            ". The judgment is reversed and the cause remanded.\n\n",
        )),
    ),
    Opinion(
        name="plessy_v_ferguson", title_words=("plessy", "ferguson"), later=True,
        caption=US + "163 U.S. 537\n\nHOMER ADOLPH PLESSY, Petitioner,\n\nv.\n\nJOHN H. FERGUSON, Respondent.\n\n"
                "Decided May 18, 1896\n\n",
        own=("163 U.S. 537",),
        pages=((
            "MR. JUSTICE BROWN delivered the opinion of the Court. This case turns upon the constitutionality of an "
            "act of the General Assembly of Louisiana providing for separate railway carriages. The statute was "
            "attacked as a regulation of commerce, a power of Congress since ",
            Ref("Gibbons v. Ogden, 22 U.S. 1 (1824)", "22 U.S. 1"),
            ". Separate schools were upheld in ",
            Ref("Roberts v. City of Boston, 5 Cush. 198 (1850)", "5 Cush. 198"),
            ". The judgment is affirmed.\n\n",
        ),),
    ),
    Opinion(
        name="maneka_gandhi", title_words=("maneka", "gandhi"),
        caption=INDIA + "Maneka Gandhi vs Union Of India on 25 January, 1978\n\n"
                "Equivalent citations: AIR 1978 SC 597, (1978) 1 SCC 248\n\n",
        own=("AIR 1978 SC 597", "(1978) 1 SCC 248"),
        pages=((
            "JUDGMENT. The petitioner's passport was impounded without a hearing. The view taken in ",
            Ref("A.K. Gopalan v. State of Madras, AIR 1950 SC 27", "AIR 1950 SC 27"),
            " that each article is a code by itself can no longer be accepted. The right to travel abroad is part "
            "of personal liberty, as this Court held in ",
            Ref("Kharak Singh v. State of U.P., AIR 1963 SC 1295", "AIR 1963 SC 1295"),
            ".\n\n",
        ), (
            "The procedure prescribed by law must be right, just and fair, and not arbitrary. The majority view in ",
            Ref("A.K. Gopalan (supra)", "AIR 1950 SC 27"),
            " does not survive. The order impounding the passport is set aside.\n\n",
        )),
    ),
    Opinion(
        name="bachan_singh", title_words=("bachan", "singh"),
        caption=INDIA + "Bachan Singh vs State Of Punjab on 9 May, 1980\n\n"
                "Equivalent citations: AIR 1980 SC 898, (1980) 2 SCC 684, 1980 CRILJ 636\n\n",
        own=("AIR 1980 SC 898", "(1980) 2 SCC 684", "(1980) Cri LJ 636"),
        pages=((
            "JUDGMENT. The question is whether the death penalty for murder offends Articles 14, 19 and 21. The law "
            "laid down in ",
            Ref("Maneka Gandhi v. Union of India, (1978) 1 SCC 248 : AIR 1978 SC 597", "(1978) 1 SCC 248",
                ("AIR 1978 SC 597",)),
            " requires that the procedure be fair. The challenge was repelled in ",
            Ref("Jagmohan Singh v. State of U.P., (1973) 1 SCC 20", "(1973) 1 SCC 20"),
            ". The American decision in ",
            Ref("Furman v. Georgia, 408 U.S. 238 (1972)", "408 U.S. 238"),
            " was considered.\n\n",
        ), (
            "In ",
            Ref("Maneka Gandhi (supra)", "(1978) 1 SCC 248"),
            " this Court read Article 21 with Articles 14 and 19. ",
            Ref("Ibid.", "(1978) 1 SCC 248"),
            " The basic structure doctrine of ",
            Ref("Kesavananda Bharati v. State of Kerala, (1973) 4 SCC 225", "(1973) 4 SCC 225"),
            " is not offended. The death penalty is to be imposed only in the rarest of rare cases.\n\n",
        )),
    ),
    Opinion(
        name="puttaswamy", title_words=("puttaswamy",),
        caption=INDIA + "Justice K.S. Puttaswamy (Retd.) vs Union Of India on 24 August, 2017\n\n"
                "Equivalent citations: (2017) 10 SCC 1, AIR 2017 SC 4161\n\n",
        own=("(2017) 10 SCC 1", "AIR 2017 SC 4161"),
        pages=((
            "JUDGMENT. The right to privacy is protected as an intrinsic part of the right to life and personal "
            "liberty under Article 21. The observations in ",
            Ref("Kharak Singh v. State of U.P., AIR 1963 SC 1295", "AIR 1963 SC 1295"),
            " that privacy is not a guaranteed right are overruled. Procedure must be fair, just and reasonable: ",
            Ref("Maneka Gandhi v. Union of India, AIR 1978 SC 597", "AIR 1978 SC 597"),
            ".\n\n",
        ), (
            "The minority view in ",
            Ref("Kharak Singh (supra)", "AIR 1963 SC 1295"),
            " is correct. The test of proportionality was applied in ",
            Ref("Bachan Singh v. State of Punjab, [1980] 2 S.C.C. 684", "(1980) 2 SCC 684"),
            ", and the Constitution's basic structure was explained in ",
            Ref("Kesavananda Bharati v. State of Kerala, (1973) 4 SCC 225", "(1973) 4 SCC 225"),
            ".\n\n",
        )),
    ),
    Opinion(
        name="kesavananda_bharati", title_words=("kesavananda", "bharati"), later=True,
        caption=INDIA + "Kesavananda Bharati Sripadagalvaru vs State Of Kerala on 24 April, 1973\n\n"
                "Equivalent citations: AIR 1973 SC 1461, (1973) 4 SCC 225\n\n",
        own=("AIR 1973 SC 1461", "(1973) 4 SCC 225"),
        pages=((
            "JUDGMENT. The power of Parliament to amend the Constitution does not extend to altering its basic "
            "structure. The decision in ",
            Ref("I.C. Golak Nath v. State of Punjab, AIR 1967 SC 1643", "AIR 1967 SC 1643"),
            " is overruled. The Twenty-fourth Amendment is valid.\n\n",
        ),),
    ),
)


def opinion_named(name: str) -> Opinion:
    return next(opinion for opinion in CORPUS if opinion.name == name)


def expected_cited(opinion: Opinion) -> dict[str, ExpectedAuthority]:
    """What the citator should find ``opinion`` to cite, by normalised citation."""
    owner = {key: other.name for other in CORPUS for key in other.own}
    refs: dict[str, list[tuple[Ref, int]]] = {}
    for ref, page in opinion.references():
        refs.setdefault(ref.key, []).append((ref, page))
    expected = {}
    for key, found in refs.items():
        first = found[0][0]
        keys = (key, *first.parallel)
        cites = first.cites or next((owner[each] for each in keys if each in owner), None)
        expected[key] = ExpectedAuthority(key=key, parallel=first.parallel, depth=len(found),
                                          pages=tuple(sorted({page for _, page in found})), cites=cites)
    return expected
