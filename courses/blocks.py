"""StreamField blocks of a lesson body. Each has an icon, a template and a preview value."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

from .enums import CalloutKind


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"), choices=[("h2", _("Section")), ("h3", _("Sub-section"))], default="h2"
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "courses/blocks/heading_block.html"
        preview_value = {"text": "Créer son adresse e-mail", "level": "h2"}
        description = _("A section title, used to build the lesson's outline.")


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        super().__init__(
            features=["bold", "italic", "link", "ol", "ul", "document-link"], **kwargs
        )

    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "courses/blocks/paragraph_block.html"
        preview_value = (
            "<p>Une adresse e-mail ressemble à <b>prenom.nom@exemple.fr</b> : "
            "un identifiant, l'arobase, puis le nom du fournisseur.</p>"
        )


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/figure_block.html"
        description = _("An image with its alternative text and an optional caption.")


class VideoBlock(blocks.StructBlock):
    """A video either uploaded (works offline on the local network) or embedded from a URL."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    video_file = DocumentChooserBlock(
        label=_("Video file"), required=False,
        help_text=_("An MP4 or WebM file from the document library: plays without internet."),
    )
    captions = DocumentChooserBlock(
        label=_("Captions (WebVTT)"), required=False,
        help_text=_("Subtitles for deaf and hard-of-hearing learners."),
    )
    video_url = EmbedBlock(
        label=_("Video URL"), required=False,
        help_text=_("A PeerTube, YouTube or Vimeo link, used when no file is given."),
    )
    transcript = blocks.TextBlock(label=_("Transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video_block.html"
        preview_value = {
            "title": "Allumer et éteindre un ordinateur",
            "transcript": "On appuie une fois sur le bouton marqué d'un cercle barré…",
        }
        description = _("An uploaded or embedded video with its transcript.")

    def clean(self, value):
        value = super().clean(value)
        if not value.get("video_file") and not value.get("video_url"):
            message = _("Give a video file or a video URL.")
            raise StructBlockValidationError(
                block_errors={"video_file": ValidationError(message)}
            )
        return value


class DownloadBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"), required=False, max_length=200,
        help_text=_("Defaults to the document's title."),
    )
    description = blocks.TextBlock(label=_("Description"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Downloadable document")
        template = "courses/blocks/download_block.html"
        description = _("A file learners can download: handout, exercise, template.")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(label=_("Kind"), choices=CalloutKind.choices, default="tip")
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=200)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link", "ul"])

    class Meta:
        icon = "help"
        label = _("Tip / callout")
        template = "courses/blocks/callout_block.html"
        preview_value = {
            "kind": "tip",
            "title": "Astuce",
            "text": "<p>Notez votre mot de passe dans un carnet rangé chez vous, "
                    "jamais sur un post-it collé à l'écran.</p>",
        }
        description = _("A highlighted tip, piece of information or warning.")


class ChecklistStepBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Instruction"))
    image = ImageBlock(label=_("Screenshot"), required=False)

    class Meta:
        icon = "tick"
        label = _("Step")


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    steps = blocks.ListBlock(ChecklistStepBlock(), label=_("Steps"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Step-by-step checklist")
        template = "courses/blocks/checklist_block.html"
        preview_value = {
            "title": "Envoyer un e-mail",
            "steps": [
                {"text": "Ouvrez votre messagerie."},
                {"text": "Cliquez sur « Nouveau message »."},
                {"text": "Écrivez l'adresse du destinataire, l'objet puis le message."},
                {"text": "Cliquez sur « Envoyer »."},
            ],
        }
        description = _("Numbered steps learners can tick as they go.")


class QuizChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Answer"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct answer"), required=False)

    class Meta:
        icon = "radio-empty"
        label = _("Answer")


class QuizQuestionValue(blocks.StructValue):
    @property
    def multiple(self) -> bool:
        """Several correct answers: the form shows checkboxes instead of radio buttons."""
        return sum(1 for choice in self["choices"] if choice["correct"]) > 1


class QuizQuestionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(label=_("Question"))
    choices = blocks.ListBlock(QuizChoiceBlock(), label=_("Answers"), min_num=2)
    explanation = blocks.TextBlock(
        label=_("Explanation"), required=False,
        help_text=_("Shown after the learner answers."),
    )

    class Meta:
        icon = "help"
        label = _("Question")
        value_class = QuizQuestionValue

    def clean(self, value):
        value = super().clean(value)
        if not any(choice["correct"] for choice in value["choices"]):
            raise StructBlockValidationError(
                block_errors={"choices": ValidationError(_("Mark at least one correct answer."))}
            )
        return value


@dataclass
class QuestionResult:
    prompt: str
    correct: bool
    chosen: set[int]
    explanation: str


@dataclass
class QuizResult:
    score: int  # percent, 0–100
    pass_mark: int
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark


class QuizBlock(blocks.StructBlock):
    """Multiple-choice quiz. The correct answers never leave the server: templates and the API
    only show the choices, and `score` marks the learner's answers."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    intro = blocks.TextBlock(label=_("Introduction"), required=False)
    pass_mark = blocks.IntegerBlock(
        label=_("Pass mark (%)"), min_value=0, max_value=100, default=70,
        help_text=_("Percentage of correct questions needed for the quiz to count as done."),
    )
    questions = blocks.ListBlock(QuizQuestionBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "form"
        label = _("Quiz")
        template = "courses/blocks/quiz_block.html"
        preview_value = {
            "title": "Vérifiez vos connaissances",
            "intro": "Une seule bonne réponse par question.",
            "pass_mark": 70,
            "questions": [
                {
                    "prompt": "Quel symbole trouve-t-on dans toutes les adresses e-mail ?",
                    "choices": [
                        {"text": "@", "correct": True},
                        {"text": "#", "correct": False},
                        {"text": "&", "correct": False},
                    ],
                    "explanation": "L'arobase sépare l'identifiant du fournisseur.",
                }
            ],
        }
        description = _("Multiple-choice questions scored on the server.")

    def get_context(self, value, parent_context=None):
        """Questions as the form shows them: choices without their correctness, the learner's
        previous answers ticked and, once marked, the feedback."""
        context = super().get_context(value, parent_context=parent_context)
        result = (parent_context or {}).get("quiz_result")
        questions = []
        for index, question in enumerate(value["questions"]):
            marked = result.questions[index] if result else None
            questions.append({
                "index": index,
                "prompt": question["prompt"],
                "multiple": question.multiple,
                "choices": [
                    {"index": i, "text": choice["text"],
                     "checked": bool(marked and i in marked.chosen)}
                    for i, choice in enumerate(question["choices"])
                ],
                "result": marked,
            })
        context["questions"] = questions
        return context

    def score(self, value, answers: dict[int, set[int]]) -> QuizResult:
        """Mark `answers` ({question index: chosen choice indexes}). A question is right when
        exactly the correct choices are chosen."""
        results = []
        for index, question in enumerate(value["questions"]):
            expected = {i for i, choice in enumerate(question["choices"]) if choice["correct"]}
            chosen = answers.get(index, set())
            results.append(QuestionResult(
                prompt=question["prompt"], correct=chosen == expected, chosen=chosen,
                explanation=question["explanation"],
            ))
        total = len(results)
        right = sum(1 for result in results if result.correct)
        score = round(100 * right / total) if total else 0
        return QuizResult(score=score, pass_mark=value["pass_mark"], questions=results)

    def get_api_representation(self, value, context=None):
        return {
            "title": value["title"],
            "intro": value["intro"],
            "pass_mark": value["pass_mark"],
            "questions": [
                {
                    "prompt": question["prompt"],
                    "multiple": question.multiple,
                    "choices": [choice["text"] for choice in question["choices"]],
                }
                for question in value["questions"]
            ],
        }


class LessonBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = FigureBlock()
    video = VideoBlock()
    document = DownloadBlock()
    callout = CalloutBlock()
    checklist = ChecklistBlock()
    quiz = QuizBlock()
