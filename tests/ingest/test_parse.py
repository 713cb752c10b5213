from ingest import QARecord, parse_article

SUB_HEADINGS = [
    "Why Adam?",
    "Training Phase",
    "Testing Phase",
    "Python Code Example",
    "Advantages",
    "Uses in Faster Training",
    "Disadvantages",
    "Dropout",
    "Random Forest",
    "Key Differences",
    "How to optimize",
    "Vanishing Gradient Problem",
    "Examples",
    "Applications",
]


def test_every_question_of_the_article_is_one_record(article):
    records = parse_article(article.read_text())
    questions = [r.question for r in records]

    assert len(records) == 154
    assert questions[:3] == [
        "Difference: Deep learning vs. Machine learning",
        "What is a deep neural network?",
        "Why use a transfer function in deep learning?",
    ]
    assert "What is the feed_dict parameter used in sess.run()?" in questions
    assert "Discuss the concept of an adaptive learning rate. Describe adaptive learning methods." in questions
    assert "Is Dropout like Random Forest?" in questions
    assert questions[-1] == "What are Generative Models, give examples?"
    assert questions.count("What is Adam and why is it used most of the time in neural networks?") == 2


def test_sub_headings_stay_inside_their_answer(article):
    records = parse_article(article.read_text())
    questions = {r.question.rstrip(":") for r in records}

    assert not questions & set(SUB_HEADINGS)
    dropout = next(r for r in records if r.question == "What is the impact of Dropout on the training vs testing?")
    assert "**Training Phase:**" in dropout.answer and "**Testing Phase:**" in dropout.answer


def test_line_ranges_point_at_the_question_line(article):
    lines = article.read_text().splitlines()
    for record in parse_article(article.read_text()):
        assert record.question.split()[0].strip("*") in lines[record.start_line - 1].replace("**", "")
        assert record.start_line <= record.end_line
        assert lines[record.end_line - 1].strip()


def test_answers_keep_code_and_drop_images_separators_and_chat_residue(article):
    records = {r.question: r for r in parse_article(article.read_text())}
    rmsprop = records["What is RMSProp and how does it work?"]
    adam = next(r for r in records.values() if r.question.startswith("What is Adam"))

    assert "```python" in rmsprop.answer and "![" not in rmsprop.answer
    assert "Thank you for sharing" not in adam.answer
    assert all("\n---\n" not in r.answer for r in records.values())


def test_sections_come_from_the_headings(article):
    records = parse_article(article.read_text())
    assert records[0].section == "Fundamental of Deep Learning"
    assert {r.section for r in records} >= {"Gradient Descent Methods", "Autoencoders", "TensorFlow"}


def test_small_document_as_whole_values():
    text = "---\ntitle: x\n---\n### Basics\n\n* **What is stride?**\n    * How far the filter moves.\n\n---\n\n**Padding**\n\nZeros around.\n"
    assert parse_article(text) == [
        QARecord("What is stride?", "* How far the filter moves.", "Basics", 6, 7),
        QARecord("Padding", "Zeros around.", "Basics", 11, 13),
    ]


def test_plain_prose_has_no_questions():
    assert parse_article("Just a paragraph.\n\nAnother one, with **bold** words.") == []
