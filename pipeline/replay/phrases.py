"""What the replay's users write, per cause and language, and the prose of model answers."""

from __future__ import annotations

COMMENTS_EN: dict[str, tuple[str, ...]] = {
    "background": (
        "wrong answer",
        "it made up a function that doesn't exist in pandas",
        "too long, I asked for a one-liner",
        "refused to help with a totally normal request",
        "the math is wrong, 17*23 is not 381",
        "didn't follow my instructions about formatting",
        "it keeps apologizing instead of fixing the bug",
        "edited the wrong file",
        "ran the test suite five times for no reason",
        "outdated info, this API changed in 2024",
        "the code runs but the logic is wrong, off by one in the loop",
        "hallucinated a CLI flag",
        "not what I asked",
        "answer is way too verbose",
        "it ignored the error message I pasted",
        "deleted a test instead of fixing it",
        "gave me python 2 syntax",
        "the summary missed the main point of the doc",
        "suggested a library that is deprecated",
        "slow and then wrong",
        "it changed my variable names for no reason",
        "bad translation, very literal",
        "the regex doesn't match the examples I gave",
        "it said it fixed it but nothing changed",
        "made up a citation",
        "the unit conversion is wrong",
        "it tried to install packages globally",
        "meh",
        "not helpful",
        "it rewrote the whole file when I asked for one change",
    ),
    "routing_1m": (
        "it forgot everything we discussed two messages ago",
        "lost the thread completely, answered a question I never asked",
        "ignores the context I gave it",
        "it's like talking to a different, dumber model today",
        "quality dropped a lot this week, answers are generic",
        "it doesn't remember the file it just read",
        "keeps losing track of the conversation",
        "answers are vague and ignore the code I pasted",
        "it acts like it never saw my earlier instructions",
        "feels much worse than last week, very generic responses",
        "responded to a totally different part of the conversation",
        "it stopped using the context from the repo",
        "why does it keep forgetting what I told it?",
        "the model got noticeably worse, low effort answers",
        "every reply in this session ignores my previous message",
    ),
    "tpu_corruption": (
        "random thai characters in the middle of the answer",
        "why is there chinese text in my english response??",
        "the code it wrote has garbage characters and won't compile",
        "weird foreign characters inside the code, syntax error",
        "answer suddenly switched to thai mid sentence",
        "there are chinese characters inside my python function",
        "output is corrupted, random non-english symbols",
        "syntax error in generated code, some asian characters in a keyword",
        "it put thai script in the middle of an english paragraph",
        "obvious syntax errors in the code, looks corrupted",
        "strange characters in the response, not english",
        "the JSON it gave me has chinese characters and doesn't parse",
    ),
    "topk_sampler": (
        "it used a completely random word in the middle of a sentence",
        "weird word choice, makes no sense",
        "some words are just wrong, like a glitch",
        "it skipped words, sentences don't read right",
        "random odd token in the answer",
        "the answer has a bizarre word that doesn't belong",
        "typo-like mistakes from the model, never saw this before",
        "it dropped a word and the sentence is broken",
        "strange token choices today",
        "the output has nonsense words sprinkled in",
        "one word in the code is wrong and breaks it",
        "sporadic gibberish word mid answer",
    ),
}

OPENERS = (
    "",
    "",
    "",
    "Ugh. ",
    "Again: ",
    "So, ",
    "Honestly ",
    "FYI ",
    "Hey team, ",
    "Not great: ",
    "I was refactoring our billing service and ",
    "While writing a migration, ",
    "During a long coding session ",
    "Asked for help with a React component and ",
)
CLOSERS = (
    "",
    "",
    "",
    "",
    ".",
    "!",
    "!!",
    " :(",
    " please fix",
    ". This used to work fine.",
    ". Happened twice today.",
    " wtf",
    ". Very frustrating when on a deadline.",
    ". Switching to another model until this is fixed.",
    "...",
    " (third time this week)",
)

COMMENTS_INTL: dict[str, dict[str, tuple[str, ...]]] = {
    "ja": {
        "background": (
            "回答が間違っています。",
            "指示を無視されました。",
            "長すぎます、短くしてください。",
        ),
        "routing_1m": ("前の会話の内容を完全に忘れています。", "文脈を無視した回答ばかりです。"),
        "tpu_corruption": (
            "英語の回答の途中にタイ語の文字が混ざっています。",
            "生成されたコードに変な文字があり動きません。",
        ),
        "topk_sampler": (
            "文の途中に意味不明な単語が入っています。",
            "単語がおかしい、バグのようです。",
        ),
    },
    "zh": {
        "background": ("答案是错的。", "没有按照我的要求格式化。", "太啰嗦了。"),
        "routing_1m": ("它完全忘记了之前的对话内容。", "回答忽略了我给的上下文。"),
        "tpu_corruption": ("英文回答里突然出现泰文字符。", "生成的代码里有乱码，无法运行。"),
        "topk_sampler": ("句子中间出现了奇怪的词。", "有些词完全不对，像是故障。"),
    },
    "es": {
        "background": (
            "la respuesta es incorrecta",
            "no siguió mis instrucciones",
            "demasiado largo",
        ),
        "routing_1m": ("olvidó todo lo que hablamos antes", "ignora el contexto que le di"),
        "tpu_corruption": (
            "aparecen caracteres tailandeses en medio de la respuesta",
            "el código tiene caracteres raros y no compila",
        ),
        "topk_sampler": ("usó una palabra totalmente aleatoria en medio de la frase",),
    },
    "de": {
        "background": ("falsche Antwort", "hat meine Anweisungen ignoriert", "viel zu lang"),
        "routing_1m": ("hat den ganzen Kontext vergessen", "die Antworten ignorieren den Verlauf"),
        "tpu_corruption": (
            "thailändische Zeichen mitten in der englischen Antwort",
            "im generierten Code sind seltsame Zeichen, Syntaxfehler",
        ),
        "topk_sampler": ("ein völlig zufälliges Wort mitten im Satz",),
    },
    "fr": {
        "background": ("réponse fausse", "n'a pas suivi mes consignes", "beaucoup trop long"),
        "routing_1m": ("il a oublié tout le contexte de la conversation",),
        "tpu_corruption": ("des caractères chinois au milieu de la réponse en anglais",),
        "topk_sampler": ("un mot bizarre au milieu de la phrase",),
    },
    "pt": {
        "background": ("resposta errada", "não seguiu as instruções"),
        "routing_1m": ("esqueceu tudo o que conversamos antes",),
        "tpu_corruption": ("caracteres tailandeses no meio da resposta em inglês",),
        "topk_sampler": ("uma palavra aleatória no meio da frase",),
    },
    "ru": {
        "background": ("неправильный ответ", "не выполнил мои инструкции", "слишком длинно"),
        "routing_1m": (
            "он забыл весь контекст разговора",
            "ответы игнорируют предыдущие сообщения",
        ),
        "tpu_corruption": (
            "в английском ответе появились тайские символы",
            "в сгенерированном коде странные символы, синтаксическая ошибка",
        ),
        "topk_sampler": ("случайное слово посреди предложения",),
    },
    "ko": {
        "background": ("답변이 틀렸습니다.", "지시를 따르지 않았어요."),
        "routing_1m": ("이전 대화 내용을 완전히 잊어버렸어요.",),
        "tpu_corruption": ("영어 답변 중간에 태국 문자가 섞여 있어요.",),
        "topk_sampler": ("문장 중간에 이상한 단어가 들어가 있어요.",),
    },
}
LANG_SHARE = {
    "en": 0.84,
    "ja": 0.03,
    "zh": 0.025,
    "es": 0.03,
    "de": 0.025,
    "fr": 0.015,
    "pt": 0.015,
    "ru": 0.01,
    "ko": 0.01,
}

PROSE_EN = (
    "Here is a function that computes the total for the order.",
    "You can sort the list in place and then take the first ten elements.",
    "The error happens because the variable is used before it is assigned.",
    "I have updated the configuration so the service reads the port from the environment.",
    "This query joins users with their orders and counts them per user.",
    "The simplest fix is to wrap the call in a try block and return a default value.",
    "Below is a shell loop that compresses every log file in the directory.",
    "To make the request asynchronous, gather all the tasks and await them together.",
    "The recipe needs two cups of flour, one egg and a pinch of salt.",
    "Paris is a great choice for a long weekend in the spring.",
    "I rewrote the paragraph to be shorter and more direct.",
    "The test fails because the mock returns a list instead of a dictionary.",
    "Let me know if you want me to add type hints to the rest of the module.",
    "The migration adds a nullable column first, then backfills it in batches.",
    "Here is a draft of the email to your landlord about the repair.",
    "Binary search runs in logarithmic time because it halves the range each step.",
    "The component re-renders because the callback is recreated on every render.",
    "You should pin the dependency to the last version that supported Python 3.8.",
)
PROSE_INTL = {
    "ja": ("こちらが注文の合計を計算する関数です。", "設定ファイルを更新しました。"),
    "zh": ("这是计算订单总额的函数。", "我已经更新了配置文件。"),
    "es": ("Aquí tienes una función que calcula el total del pedido.",),
    "de": ("Hier ist eine Funktion, die die Summe der Bestellung berechnet.",),
    "fr": ("Voici une fonction qui calcule le total de la commande.",),
    "pt": ("Aqui está uma função que calcula o total do pedido.",),
    "ru": ("Вот функция, которая вычисляет сумму заказа.",),
    "ko": ("주문 합계를 계산하는 함수입니다.",),
}
ODD_WORDS = (
    "banana",
    "cathedral",
    "velvet",
    "quasar",
    "porcupine",
    "marmalade",
    "zeppelin",
    "however however",
    "the the",
    "purple",
)
REPEAT_UNITS = (
    "I apologize for the confusion. ",
    "Let me fix that. ",
    "the result is ",
    "Here is the updated code:\n",
    "- item\n",
)

PII_COMMENT_TEMPLATES = (
    "I'm «PERSON», you can reach me at «EMAIL_ADDRESS» if you need more details.",
    "Call me on «PHONE_NUMBER», this is blocking our release.",
    "My colleague «PERSON» saw the same thing yesterday.",
    "It echoed my card number «CREDIT_CARD» back to me in the answer!!",
    "refund to «IBAN_CODE» please, I paid for a plan that doesn't work",
    "it even repeated my SSN «US_SSN» from the form I pasted",
    "Our office is at «STREET_ADDRESS», in case that matters for the region.",
    "the server it suggested to ssh into was «IP_ADDRESS», that's our prod box",
    "I accidentally pasted my key «SECRET» in the prompt, please delete this report",
    "the repo lives in «HOME_PATH»/work/api",
    "this connection string «CONNECTION_STRING» worked before",
    "Contact: «PERSON» <«EMAIL_ADDRESS»>",
    "-- «PERSON», «PHONE_NUMBER»",
    "ping «EMAIL_ADDRESS» or «PHONE_NUMBER»",
)
PII_RESPONSE_TEMPLATES = (
    ("python", 'import anthropic\n\nclient = anthropic.Anthropic(api_key="«SECRET»")\n'),
    ("python", 'DATABASE_URL = "«CONNECTION_STRING»"\nengine = create_engine(DATABASE_URL)\n'),
    ("python", 'ADMIN_EMAIL = "«EMAIL_ADDRESS»"\nSUPPORT_PHONE = "«PHONE_NUMBER»"\n'),
    ("bash", 'export AWS_ACCESS_KEY_ID="«SECRET»"\naws s3 ls\n'),
    ("bash", "ssh deploy@«IP_ADDRESS» 'sudo systemctl restart api'\n"),
    ("bash", 'git config user.email "«EMAIL_ADDRESS»"\n'),
    ("bash", 'curl -H "Authorization: Bearer «SECRET»" https://api.example.com/v1/me\n'),
    ("bash", "cd «HOME_PATH»/projects/api && make test\n"),
    (
        "json",
        '{\n  "name": "«PERSON»",\n  "email": "«EMAIL_ADDRESS»",\n  "phone": "«PHONE_NUMBER»"\n}\n',
    ),
    (
        "text",
        'Traceback (most recent call last):\n  File "«HOME_PATH»/projects/api/server.py", '
        "line 42, in handle\n    raise ValueError(msg)\nValueError: bad input\n",
    ),
    ("text", "«PRIVATE_KEY»\n"),
    ("prose", "I have drafted the letter to «PERSON» at «STREET_ADDRESS»."),
    ("prose", "The invoice lists the card «CREDIT_CARD» and the IBAN «IBAN_CODE»."),
)

# ---------------------------------------------------------------------------------------
# Text styles of the scenarios beyond the postmortem (pipeline/replay/scenarios.py)
# ---------------------------------------------------------------------------------------
COMMENTS_EN.update(
    {
        # A numerical kernel bug: degenerate loops and answers that stop.
        "kernel_degenerate": (
            "it started repeating the same sentence over and over",
            "the answer just stops in the middle of a sentence",
            "it got stuck in a loop printing the same line",
            "response cut off halfway through the code",
            "the output loops forever and never finishes",
            "half the answer is the same phrase repeated",
            "it stopped mid word, had to ask again",
            "endless repetition at the end of the reply",
        ),
        # A frontend release: complaints about the app, not the answers.
        "ui_wave": (
            "the send button doesn't do anything",
            "the page froze when I scrolled up",
            "copy button copies the wrong code block",
            "my conversation history disappeared from the sidebar",
            "the new layout hides the stop button",
            "can't attach files anymore",
            "typing in the input box lags badly since today",
            "the chat window keeps jumping to the top",
            "dark mode is broken, white text on white",
        ),
        # A KV-cache layout bug: answers mix up or lose parts of a long prompt.
        "kv_garbled": (
            "it mixed up two of my files",
            "the code it wrote uses variables from a different file",
            "it quoted parts of my prompt in the wrong place",
            "it lost part of the code I pasted and the result doesn't compile",
            "a token is missing from the code it gave back",
            "the answer merges two unrelated functions from my repo",
            "it referenced a class that only exists in another file I pasted",
        ),
        # A sampler bug users only describe as "worse", sometimes with an odd word.
        "vague_worse": (
            "it got worse",
            "the answers got worse this week",
            "quality went down, something is off",
            "it's worse than it used to be",
            "feels dumber than yesterday",
            "it got worse, some words in the answer make no sense",
            "a random word in the middle of the reply",
            "answers feel off today",
            "not as good as before",
        ),
    }
)
_INTL_STYLES: dict[str, dict[str, tuple[str, ...]]] = {
    "ja": {
        "kernel_degenerate": ("同じ文を何度も繰り返しています。", "回答が途中で止まりました。"),
        "ui_wave": ("送信ボタンが反応しません。",),
        "kv_garbled": ("二つのファイルの内容が混ざっています。",),
        "vague_worse": ("前より悪くなりました。",),
    },
    "zh": {
        "kernel_degenerate": ("它一直重复同一句话。", "回答在句子中间就断了。"),
        "ui_wave": ("发送按钮没有反应。",),
        "kv_garbled": ("它把我的两个文件混在一起了。",),
        "vague_worse": ("变差了。",),
    },
    "es": {
        "kernel_degenerate": ("repite la misma frase una y otra vez",),
        "ui_wave": ("el botón de enviar no hace nada",),
        "kv_garbled": ("mezcló dos de mis archivos",),
        "vague_worse": ("ha empeorado",),
    },
    "de": {
        "kernel_degenerate": ("wiederholt denselben Satz immer wieder",),
        "ui_wave": ("der Senden-Knopf reagiert nicht",),
        "kv_garbled": ("hat zwei meiner Dateien vermischt",),
        "vague_worse": ("es ist schlechter geworden",),
    },
    "fr": {
        "kernel_degenerate": ("il répète la même phrase en boucle",),
        "ui_wave": ("le bouton envoyer ne fait rien",),
        "kv_garbled": ("il a mélangé deux de mes fichiers",),
        "vague_worse": ("c'est devenu moins bon",),
    },
    "pt": {
        "kernel_degenerate": ("repete a mesma frase sem parar",),
        "ui_wave": ("o botão de enviar não funciona",),
        "kv_garbled": ("misturou dois dos meus arquivos",),
        "vague_worse": ("ficou pior",),
    },
    "ru": {
        "kernel_degenerate": ("повторяет одно и то же предложение снова и снова",),
        "ui_wave": ("кнопка отправки не работает",),
        "kv_garbled": ("он перепутал два моих файла",),
        "vague_worse": ("стало хуже",),
    },
    "ko": {
        "kernel_degenerate": ("같은 문장을 계속 반복해요.",),
        "ui_wave": ("전송 버튼이 작동하지 않아요.",),
        "kv_garbled": ("두 파일의 내용을 섞어 버렸어요.",),
        "vague_worse": ("예전보다 나빠졌어요.",),
    },
}
for _lang, _styles in _INTL_STYLES.items():
    COMMENTS_INTL[_lang].update(_styles)
