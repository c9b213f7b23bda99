"""Evaluation sets for the text model (in the spirit of OpenReview's expertise evaluation):
mentor expertise texts, and trainee statements each written for one known mentor.

Two hand-written sets. :data:`MENTORS` and :data:`QUERIES` below (28 mentors, 56 statements)
were written together with the lexicon. :func:`trainee_set` reads
``mri_match/data/eval_statements.json``: 62 mentors in overlapping subfields (five AML mentors,
five sickle cell mentors, three thrombosis mentors, ...) and 189 statements written the way
trainees write (lay words, abbreviations, typos, a family story), never used to build the
lexicon. :func:`development_set` reads ``mri_match/data/eval_statements_dev.json``: 44 other
mentors from the same fields and 141 statements written the same way, the set on which the
model's choices are made (the trainee-written set is only measured). The rest of this docstring
is about the first set.

Trainee statements deliberately use other words than their mentor: abbreviations where the mentor
spells out, lay or British spellings, and no copied sentences. Several mentors share a field
(two AML mentors, two thrombosis mentors, ...) so that the right one must be told apart from a
close neighbour.
"""

import json
from functools import cache
from importlib import resources


@cache
def _keyed_file(name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    path = resources.files("mri_match.data").joinpath(name)
    data = json.loads(path.read_text(encoding="utf-8"))
    mentors = [(m["key"], m["text"]) for m in data["mentors"]]
    statements = [(s["mentor"], s["text"]) for s in data["statements"]]
    return mentors, statements


def trainee_set() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(mentor key, mentor text) and (mentor key, trainee statement) of the trainee-written set
    (the test set: nothing in the model is chosen on it)."""
    return _keyed_file("eval_statements.json")


def development_set() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The development set (``eval_statements_dev.json``), written in the same way with other
    mentors: the lexicon, the spelling correction and the hybrid's weight are chosen on it."""
    return _keyed_file("eval_statements_dev.json")


MENTORS: list[tuple[str, str]] = [
    (
        "aml-genomics",
        "My laboratory studies the genomics of acute myeloid leukemia: clonal evolution, FLT3 and "
        "NPM1 mutations, and measurable residual disease by sequencing. Papers: Clonal "
        "architecture of relapsed acute myeloid leukemia; Error-corrected sequencing for MRD.",
    ),
    (
        "aml-older-adults",
        "I lead clinical trials for older adults with acute myeloid leukemia, testing "
        "venetoclax with hypomethylating agents and geriatric assessment to guide intensity. "
        "Papers: Venetoclax plus azacitidine in unfit patients; Frailty and induction outcomes.",
    ),
    (
        "all-pediatric",
        "Pediatric acute lymphoblastic leukemia: relapse biology, blinatumomab and "
        "asparaginase toxicity in children. Papers: Outcomes of relapsed childhood acute "
        "lymphoblastic leukemia; Asparaginase hypersensitivity in pediatric patients.",
    ),
    (
        "cll-btk",
        "Chronic lymphocytic leukemia therapy with BTK inhibitors such as ibrutinib and "
        "acalabrutinib, resistance mutations and Richter transformation. Papers: BTK C481S "
        "resistance in chronic lymphocytic leukemia.",
    ),
    (
        "cml-tfr",
        "Chronic myeloid leukemia: tyrosine kinase inhibitor discontinuation and "
        "treatment-free remission, BCR-ABL1 monitoring. Papers: Predictors of molecular relapse "
        "after imatinib discontinuation.",
    ),
    (
        "mds-lowrisk",
        "Lower-risk myelodysplastic syndromes, transfusion-dependent anemia, luspatercept and "
        "SF3B1 mutations. Papers: Erythroid response in SF3B1-mutant myelodysplastic syndromes.",
    ),
    (
        "mpn-jak2",
        "Myeloproliferative neoplasms: JAK2 V617F, calreticulin mutations, polycythemia vera "
        "and myelofibrosis treated with ruxolitinib. Papers: Thrombosis risk in polycythemia "
        "vera; JAK inhibitor outcomes in myelofibrosis.",
    ),
    (
        "myeloma",
        "Multiple myeloma and precursor states (MGUS, smoldering myeloma), proteasome inhibitors, "
        "and disparities in myeloma outcomes among Black patients. Papers: Progression of "
        "monoclonal gammopathy of undetermined significance.",
    ),
    (
        "lymphoma-cart",
        "CAR-T cell therapy for diffuse large B-cell lymphoma, cytokine release syndrome and "
        "neurotoxicity. Papers: Chimeric antigen receptor T cells in relapsed DLBCL.",
    ),
    (
        "hodgkin",
        "Hodgkin lymphoma in adolescents and young adults, PET-adapted therapy and late effects "
        "of radiation. Papers: Survivorship after Hodgkin lymphoma.",
    ),
    (
        "hsct-donor",
        "Allogeneic hematopoietic stem cell transplantation: haploidentical donors, "
        "post-transplant cyclophosphamide and access to transplant for minority patients. "
        "Papers: Donor availability by ancestry.",
    ),
    (
        "gvhd",
        "Graft-versus-host disease biology and treatment: chronic GVHD, steroid-refractory acute "
        "GVHD, ruxolitinib and the gut microbiome. Papers: Microbiome injury and acute GVHD.",
    ),
    (
        "scd-pain",
        "Sickle cell disease: vaso-occlusive pain, emergency department care, opioid stigma and "
        "hydroxyurea adherence in adolescents. Papers: Time to analgesia for sickle cell pain.",
    ),
    (
        "scd-gene",
        "Gene therapy and CRISPR gene editing for sickle cell disease and beta thalassemia, "
        "fetal hemoglobin induction through BCL11A. Papers: Editing the BCL11A enhancer.",
    ),
    (
        "thalassemia-iron",
        "Thalassemia and transfusional iron overload, chelation with deferasirox, hepcidin "
        "biology. Papers: Cardiac iron in transfusion-dependent thalassemia.",
    ),
    (
        "ida-pregnancy",
        "Iron deficiency anemia in pregnancy and heavy menstrual bleeding, intravenous iron "
        "trials. Papers: Intravenous versus oral iron in the third trimester.",
    ),
    (
        "vte-cancer",
        "Cancer-associated venous thromboembolism, risk scores, direct oral anticoagulants in "
        "patients with cancer. Papers: Apixaban for cancer-associated thrombosis.",
    ),
    (
        "vte-pregnancy",
        "Thrombosis in pregnancy and the postpartum period, low molecular weight heparin "
        "prophylaxis, antiphospholipid syndrome. Papers: Postpartum thromboprophylaxis.",
    ),
    (
        "hemophilia",
        "Hemophilia A and B: emicizumab prophylaxis, factor VIII inhibitors and gene therapy "
        "with AAV vectors. Papers: Bleeding rates on emicizumab.",
    ),
    (
        "vwd",
        "Von Willebrand disease diagnosis, VWF assays and bleeding in women. Papers: Heavy "
        "menstrual bleeding in von Willebrand disease.",
    ),
    (
        "itp",
        "Immune thrombocytopenia in adults: thrombopoietin receptor agonists, rituximab and "
        "splenectomy decisions. Papers: Eltrombopag tapering in chronic ITP.",
    ),
    (
        "ttp",
        "Immune thrombotic thrombocytopenic purpura: ADAMTS13, caplacizumab and plasma exchange. "
        "Papers: Relapse prediction by ADAMTS13 activity.",
    ),
    (
        "chip",
        "Clonal hematopoiesis of indeterminate potential, TET2 and DNMT3A mutations, "
        "cardiovascular risk and inflammation. Papers: Clonal hematopoiesis and atherosclerosis.",
    ),
    (
        "hsc-niche",
        "Hematopoietic stem cell biology, the bone marrow niche, aging and single-cell lineage "
        "tracing in mice. Papers: Niche signals in stem cell aging.",
    ),
    (
        "transfusion",
        "Transfusion medicine: red cell alloimmunization in sickle cell disease, platelet "
        "transfusion thresholds and patient blood management. Papers: Alloantibodies after "
        "chronic transfusion.",
    ),
    (
        "equity-trials",
        "Health equity in hematology: racial disparities in clinical trial enrollment, "
        "structural racism and community engagement. Papers: Enrollment of Black and Hispanic "
        "patients in leukemia trials.",
    ),
    (
        "med-ed",
        "Medical education: hematology fellowship curriculum, assessment and pipeline programs "
        "for students from groups underrepresented in medicine. Papers: A national survey of "
        "hematology fellows.",
    ),
    (
        "aplastic",
        "Aplastic anemia and inherited bone marrow failure, telomere biology disorders, "
        "immunosuppressive therapy with ATG and eltrombopag, PNH clones.",
    ),
]

#: (mentor key, trainee statement written for that mentor's field)
QUERIES: list[tuple[str, str]] = [
    (
        "aml-genomics",
        "I want to sequence AML at relapse to follow how clones evolve and track MRD.",
    ),
    (
        "aml-genomics",
        "My project: NPM1 and FLT3 mutated acute myelogenous leukaemia, clonal evolution.",
    ),
    (
        "aml-older-adults",
        "Older patients with AML who cannot get intensive chemo: venetoclax regimens.",
    ),
    (
        "aml-older-adults",
        "Frailty and geriatric assessment when treating elderly leukemia patients.",
    ),
    ("all-pediatric", "Children with ALL who relapse; I am interested in blinatumomab."),
    ("all-pediatric", "Asparaginase side effects in kids with acute lymphocytic leukemia."),
    ("cll-btk", "Resistance to ibrutinib in CLL and what happens at Richter transformation."),
    ("cll-btk", "BTK inhibitor therapy for chronic lymphocytic leukaemia."),
    ("cml-tfr", "Stopping TKI therapy in CML: who stays in treatment-free remission?"),
    ("cml-tfr", "Molecular monitoring of BCR-ABL1 after imatinib discontinuation."),
    ("mds-lowrisk", "Anemia and transfusion needs in lower-risk MDS; luspatercept responses."),
    ("mds-lowrisk", "SF3B1 mutant myelodysplasia and red cell transfusion dependence."),
    ("mpn-jak2", "JAK2 mutated MPNs such as PV, and ruxolitinib for myelofibrosis."),
    ("mpn-jak2", "Calreticulin mutations in myeloproliferative neoplasm patients."),
    ("myeloma", "Why does MGUS progress to multiple myeloma faster in some Black patients?"),
    ("myeloma", "Smoldering myeloma and proteasome inhibitor treatment."),
    ("lymphoma-cart", "CAR T-cell therapy for DLBCL and managing cytokine release syndrome."),
    ("lymphoma-cart", "Neurotoxicity after chimeric antigen receptor T-cell infusion in lymphoma."),
    ("hodgkin", "Late effects in young adults treated for Hodgkin lymphoma with radiation."),
    ("hodgkin", "PET-guided treatment of Hodgkin's lymphoma in adolescents."),
    ("hsct-donor", "Finding donors for minority patients: haploidentical bone marrow transplant."),
    ("hsct-donor", "Access to allogeneic HSCT and post-transplant cyclophosphamide."),
    ("gvhd", "The microbiome and acute GVHD after transplant."),
    ("gvhd", "Steroid-refractory graft-vs-host disease and ruxolitinib."),
    ("scd-pain", "Pain crises in SCD and how long patients wait for opioids in the ER."),
    ("scd-pain", "Hydroxyurea adherence among teenagers with sickle cell anaemia."),
    ("scd-gene", "CRISPR editing of BCL11A to raise fetal hemoglobin in sickle cell."),
    ("scd-gene", "Gene therapy for beta thalassaemia and sickle cell disease."),
    ("thalassemia-iron", "Iron overload from chronic transfusions in thalassemia; chelation."),
    ("thalassemia-iron", "Hepcidin and cardiac iron in transfusion-dependent thalassaemia."),
    ("ida-pregnancy", "IV iron for anaemia in pregnant women in the third trimester."),
    ("ida-pregnancy", "Iron deficiency from heavy periods and intravenous iron."),
    ("vte-cancer", "Blood clots in cancer patients and DOACs like apixaban."),
    ("vte-cancer", "Risk prediction for VTE in oncology patients."),
    ("vte-pregnancy", "Blood clots after delivery and LMWH prophylaxis postpartum."),
    ("vte-pregnancy", "Antiphospholipid syndrome and thrombosis during pregnancy."),
    ("hemophilia", "Emicizumab prophylaxis and inhibitors in haemophilia A."),
    ("hemophilia", "AAV gene therapy for hemophilia B."),
    ("vwd", "Diagnosing VWD in women with heavy menstrual bleeding."),
    ("vwd", "Von Willebrand factor testing and bleeding symptoms."),
    ("itp", "Thrombopoietin receptor agonists like eltrombopag in adult ITP."),
    ("itp", "When to recommend splenectomy or rituximab for immune thrombocytopenic purpura."),
    ("ttp", "ADAMTS13 activity and relapse in immune TTP."),
    ("ttp", "Caplacizumab with plasma exchange for thrombotic thrombocytopenic purpura."),
    ("chip", "CHIP with TET2 or DNMT3A mutations and heart disease."),
    ("chip", "Clonal hematopoiesis, inflammation and atherosclerosis risk."),
    ("hsc-niche", "How the bone marrow niche regulates HSCs as mice age."),
    ("hsc-niche", "Single-cell lineage tracing of hematopoietic stem cells."),
    ("transfusion", "Alloimmunization to red cells in transfused sickle cell patients."),
    ("transfusion", "Platelet transfusion thresholds and patient blood management."),
    ("equity-trials", "Racial disparities in who enrolls in leukemia clinical trials."),
    ("equity-trials", "Structural racism and community engagement in hematology research."),
    ("med-ed", "Designing a hematology fellowship curriculum and assessing fellows."),
    ("med-ed", "Pipeline programs for underrepresented students in medicine."),
    ("aplastic", "Aplastic anaemia treated with ATG and eltrombopag; PNH clones."),
    ("aplastic", "Telomere biology disorders and inherited bone marrow failure."),
]


#: The publications case: mentors whose statement says little about what they know and whose
#: publications (titles and abstracts, as fetched from PubMed) say it, as (key, statement,
#: publications); and statements written by trainees for each. ``evaluate`` ranks them among
#: the trainee-written set's mentors, first on the statement alone, then with the publications.
PUBLICATION_MENTORS: list[tuple[str, str, str]] = [
    (
        "pubs-ttp-survivors",
        "Academic hematologist. I enjoy mentoring students and residents in clinical research "
        "and in planning a career.",
        "Cognitive impairment and depression in survivors of immune thrombotic thrombocytopenic "
        "purpura. Survivors in remission scored lower on tests of memory and attention, and one "
        "in three screened positive for major depression. Stroke after recovery from TTP: "
        "lower ADAMTS13 activity during clinical remission was associated with stroke. "
        "Quality of life in long-term survivors of TTP.",
    ),
    (
        "pubs-hemophilia-dental",
        "Clinician-educator in a treatment center. I mentor students who want to see what "
        "classical hematology is like day to day.",
        "Tooth extraction in people with hemophilia and von Willebrand disease: tranexamic acid "
        "mouthwash and local hemostatic measures reduced bleeding without factor replacement. "
        "Oral health and access to dental care for people with inherited bleeding disorders. "
        "Periodontal disease and gum bleeding in children with hemophilia.",
    ),
    (
        "pubs-sickle-trait",
        "Hematology faculty at a public university; glad to talk about research, residency "
        "applications and balancing clinic with research.",
        "Sickle cell trait and exertional rhabdomyolysis in college football players. "
        "Exertional collapse and sudden death in military recruits with sickle cell trait "
        "during training. Universal screening of student athletes for sickle cell trait: "
        "policies of athletic associations and the experience of screened athletes.",
    ),
    (
        "pubs-hiv-lymphoma",
        "Hematologist-oncologist who has mentored many students over twenty years.",
        "Outcomes of HIV-associated lymphoma in the era of antiretroviral therapy. Burkitt "
        "lymphoma in people living with HIV treated with dose-adjusted EPOCH-R. Primary "
        "effusion lymphoma associated with Kaposi sarcoma herpesvirus (KSHV/HHV-8). CD4 "
        "count and survival of patients with AIDS-related lymphoma.",
    ),
    (
        "pubs-anemia-aging",
        "Happy to mentor. I have a mixed clinical and research practice.",
        "Unexplained anemia in older adults: prevalence and causes in community-dwelling "
        "elders. Anemia, frailty and falls among nursing home residents. Hemoglobin level and "
        "cognitive decline and dementia in adults over 65.",
    ),
]

PUBLICATION_QUERIES: list[tuple[str, str]] = [
    (
        "pubs-ttp-survivors",
        "After my aunt survived TTP she has had trouble with her memory and got depressed. I "
        "want to research long term brain health and quality of life after TTP.",
    ),
    (
        "pubs-ttp-survivors",
        "neurocognitive outcomes, depression and stroke risk in thrombotic thrombocytopenic "
        "purpura survivors once they are in remission",
    ),
    (
        "pubs-hemophilia-dental",
        "I'm a dental student and want to learn how dentists can safely pull teeth for "
        "patients with hemophilia or VWD.",
    ),
    (
        "pubs-hemophilia-dental",
        "Oral surgery and bleeding: tranexamic acid mouth rinse for people with bleeding "
        "disorders, and their access to dentists.",
    ),
    (
        "pubs-sickle-trait",
        "I play college football and we all had to get tested for sickle cell trait. I'd like "
        "to study whether screening athletes prevents collapse during practice.",
    ),
    (
        "pubs-sickle-trait",
        "exertional collapse and rhabdo in soldiers and athletes with sickle trait",
    ),
    (
        "pubs-hiv-lymphoma",
        "I volunteer at an HIV clinic and want to learn about lymphomas in people living with "
        "HIV, like Burkitt.",
    ),
    (
        "pubs-hiv-lymphoma",
        "Cancer outcomes for AIDS patients with lymphoma on ART, and HHV-8.",
    ),
    (
        "pubs-anemia-aging",
        "My grandmother is anemic and nobody knows why. I want to study anemia in elderly "
        "people and whether it leads to falls or memory problems.",
    ),
    (
        "pubs-anemia-aging",
        "Anaemia of ageing in nursing homes: frailty and dementia.",
    ),
]
