// The residents' chat. Every text from the corpus or from a resident is rendered with textContent, never
// as HTML; the page runs no inline script and loads nothing from elsewhere.
"use strict";

const TEXT = {
  ja: {
    skip: "質問の入力へ移動", title: "市役所 AI 案内窓口", conversation: "会話",
    noticeLink: "AIの利用について（保存する情報・お問い合わせ先）",
    notice: "このチャットはAI（人工知能）が市の公開情報をもとに自動で回答します。回答には出典を示します。確かでないときや緊急のときは、職員や窓口をご案内します。個人情報は入力しないでください。",
    easy: "やさしい日本語（むずかしい漢字に ふりがな）",
    question: "ご質問", hint: "例: 粗大ごみの出し方を教えてください", send: "送信", restart: "新しい会話",
    you: "あなた", assistant: "AI 案内", sources: "出典", asOf: "{date}時点", thinking: "回答を準備しています…",
    answered: "回答が届きました。", helpful: "役に立った", notHelpful: "役に立たなかった",
    wrong: "回答の誤りを報告", wrongWhat: "どこが違っていましたか（任意。個人情報は書かないでください）",
    sendWrong: "報告する", wrongThanks: "ご指摘ありがとうございます。担当課が確認します（受付番号 {reference}）。",
    thanks: "ご意見ありがとうございます。", feedbackFailed: "ご意見を送信できませんでした。もう一度お試しください。",
    handoffTitle: "職員がご案内します", notices: "市からのお知らせ", more: "詳しくはこちら",
    failed: "送信できませんでした: {message}", restarted: "新しい会話を始めました。",
    choicesTitle: "近い内容", noneOfThese: "この中にはない", choices: "{n}件の候補から選べます。",
    starting: "よく聞かれていること",
    staffOf: "{department}の職員", staffReplied: "職員から返信が届きました。", resolvedYes: "解決した",
    resolvedNo: "解決していない", rated: "お答えいただきありがとうございます。", staffTyping: "職員が返信を書いています…",
  },
  en: {
    skip: "Skip to the question box", title: "City Hall AI help desk", conversation: "Conversation",
    noticeLink: "About the AI (what is kept, whom to contact)",
    notice: "This chat is answered automatically by AI (artificial intelligence) from the city's published information, and shows its sources. When it is unsure, or it is urgent, it tells you whom to contact. Please do not type personal information.",
    easy: "Easy Japanese: readings (furigana) over harder kanji in Japanese answers",
    question: "Your question", hint: "For example: How do I put out bulky garbage?", send: "Send", restart: "New conversation",
    you: "You", assistant: "AI help desk", sources: "Sources", asOf: "as of {date}", thinking: "Preparing an answer…",
    answered: "An answer has arrived.", helpful: "Helpful", notHelpful: "Not helpful",
    wrong: "Report this answer as wrong", wrongWhat: "What was wrong? (optional; please no personal details)",
    sendWrong: "Send the report", wrongThanks: "Thank you. The department will check it (reference {reference}).",
    thanks: "Thank you for your feedback.", feedbackFailed: "Your feedback could not be sent. Please try again.",
    handoffTitle: "A member of staff will help you", notices: "Notices from the city", more: "More information",
    failed: "Could not send: {message}", restarted: "A new conversation has started.",
    choicesTitle: "Closest topics", noneOfThese: "None of these", choices: "{n} topics to choose from.",
    starting: "Often asked",
    staffOf: "Staff of {department}", staffReplied: "A member of staff has replied.", resolvedYes: "Resolved",
    resolvedNo: "Not resolved", rated: "Thank you for letting us know.", staffTyping: "Staff are writing a reply…",
  },
  "zh-Hans": {
    skip: "跳到提问栏", title: "市政府 AI 咨询窗口", conversation: "对话",
    noticeLink: "关于AI的使用（保存的信息、咨询方式）",
    notice: "本聊天由AI（人工智能）根据市政府公开的信息自动回答，并注明出处。不确定或紧急时，会为您介绍工作人员或窗口。请不要输入个人信息。",
    easy: "简单日语：日语回答中较难的汉字标注读音（假名）",
    question: "您的问题", hint: "例：大件垃圾怎么扔？", send: "发送", restart: "新对话",
    you: "您", assistant: "AI 咨询", sources: "出处", asOf: "截至{date}", thinking: "正在准备回答…",
    answered: "回答已送达。", helpful: "有帮助", notHelpful: "没有帮助",
    wrong: "报告回答有误", wrongWhat: "哪里不对？（可选。请不要写个人信息）",
    sendWrong: "报告", wrongThanks: "谢谢。负责部门将进行确认（受理编号 {reference}）。",
    thanks: "感谢您的意见。", feedbackFailed: "意见未能发送。请再试一次。",
    handoffTitle: "工作人员将为您提供帮助", notices: "市政府通知", more: "详细信息",
    failed: "发送失败：{message}", restarted: "已开始新对话。",
    choicesTitle: "相近的内容", noneOfThese: "以上都不是", choices: "可以从{n}个选项中选择。",
    starting: "常见问题",
    staffOf: "{department}的工作人员", staffReplied: "工作人员已回复。", resolvedYes: "已解决",
    resolvedNo: "未解决", rated: "感谢您的回答。", staffTyping: "工作人员正在输入回复…",
  },
  "zh-Hant": {
    skip: "跳到提問欄", title: "市政府 AI 諮詢窗口", conversation: "對話",
    noticeLink: "關於AI的使用（保存的資訊、洽詢方式）",
    notice: "本聊天由AI（人工智慧）根據市政府公開的資訊自動回答，並註明出處。不確定或緊急時，會為您介紹工作人員或窗口。請不要輸入個人資料。",
    easy: "簡單日語：日語回答中較難的漢字標註讀音（假名）",
    question: "您的問題", hint: "例：大型垃圾要怎麼丟？", send: "傳送", restart: "新對話",
    you: "您", assistant: "AI 諮詢", sources: "出處", asOf: "截至{date}", thinking: "正在準備回答…",
    answered: "回答已送達。", helpful: "有幫助", notHelpful: "沒有幫助",
    wrong: "回報回答有誤", wrongWhat: "哪裡不對？（選填。請不要寫個人資料）",
    sendWrong: "回報", wrongThanks: "謝謝。負責單位將進行確認（受理編號 {reference}）。",
    thanks: "感謝您的意見。", feedbackFailed: "意見未能傳送。請再試一次。",
    handoffTitle: "工作人員將為您提供協助", notices: "市政府公告", more: "詳細資訊",
    failed: "傳送失敗：{message}", restarted: "已開始新對話。",
    choicesTitle: "相近的內容", noneOfThese: "以上皆非", choices: "可以從{n}個選項中選擇。",
    starting: "常見問題",
    staffOf: "{department}的工作人員", staffReplied: "工作人員已回覆。", resolvedYes: "已解決",
    resolvedNo: "未解決", rated: "感謝您的回答。", staffTyping: "工作人員正在輸入回覆…",
  },
  ko: {
    skip: "질문 입력으로 이동", title: "시청 AI 안내 창구", conversation: "대화",
    noticeLink: "AI 이용 안내(보존하는 정보, 문의처)",
    notice: "이 채팅은 AI(인공지능)가 시가 공개한 정보를 바탕으로 자동으로 답변하며 출처를 보여 줍니다. 확실하지 않거나 긴급할 때는 직원이나 창구를 안내합니다. 개인 정보는 입력하지 마세요.",
    easy: "쉬운 일본어: 일본어 답변의 어려운 한자에 읽는 법(후리가나)",
    question: "질문", hint: "예: 대형 쓰레기는 어떻게 버리나요?", send: "보내기", restart: "새 대화",
    you: "나", assistant: "AI 안내", sources: "출처", asOf: "{date} 기준", thinking: "답변을 준비하고 있습니다…",
    answered: "답변이 도착했습니다.", helpful: "도움이 됨", notHelpful: "도움이 안 됨",
    wrong: "답변 오류 신고", wrongWhat: "무엇이 틀렸나요? (선택. 개인 정보는 쓰지 마세요)",
    sendWrong: "신고하기", wrongThanks: "감사합니다. 담당 부서가 확인하겠습니다(접수 번호 {reference}).",
    thanks: "의견 감사합니다.", feedbackFailed: "의견을 보내지 못했습니다. 다시 시도해 주세요.",
    handoffTitle: "직원이 안내해 드립니다", notices: "시의 알림", more: "자세히 보기",
    failed: "보내지 못했습니다: {message}", restarted: "새 대화를 시작했습니다.",
    choicesTitle: "가까운 내용", noneOfThese: "해당 없음", choices: "{n}개 중에서 선택할 수 있습니다.",
    starting: "자주 묻는 질문",
    staffOf: "{department} 직원", staffReplied: "직원이 답장했습니다.", resolvedYes: "해결됨",
    resolvedNo: "해결되지 않음", rated: "답해 주셔서 감사합니다.", staffTyping: "직원이 답장을 쓰고 있습니다…",
  },
  vi: {
    skip: "Đến ô nhập câu hỏi", title: "Quầy hỗ trợ AI của Tòa thị chính", conversation: "Cuộc trò chuyện",
    noticeLink: "Về việc sử dụng AI (thông tin được lưu, nơi liên hệ)",
    notice: "Cuộc trò chuyện này do AI (trí tuệ nhân tạo) tự động trả lời dựa trên thông tin thành phố đã công bố, có ghi nguồn. Khi không chắc chắn hoặc khẩn cấp, AI sẽ giới thiệu nhân viên hoặc quầy phụ trách. Vui lòng không nhập thông tin cá nhân.",
    easy: "Tiếng Nhật dễ hiểu: cách đọc (furigana) trên chữ Hán khó trong câu trả lời tiếng Nhật",
    question: "Câu hỏi của bạn", hint: "Ví dụ: Bỏ rác cỡ lớn như thế nào?", send: "Gửi", restart: "Cuộc trò chuyện mới",
    you: "Bạn", assistant: "Hỗ trợ AI", sources: "Nguồn", asOf: "tính đến {date}", thinking: "Đang chuẩn bị câu trả lời…",
    answered: "Đã có câu trả lời.", helpful: "Hữu ích", notHelpful: "Không hữu ích",
    wrong: "Báo câu trả lời sai", wrongWhat: "Sai ở đâu? (không bắt buộc; vui lòng không ghi thông tin cá nhân)",
    sendWrong: "Gửi báo cáo", wrongThanks: "Cảm ơn bạn. Bộ phận phụ trách sẽ kiểm tra (mã số {reference}).",
    thanks: "Cảm ơn ý kiến của bạn.", feedbackFailed: "Không gửi được ý kiến. Vui lòng thử lại.",
    handoffTitle: "Nhân viên sẽ hỗ trợ bạn", notices: "Thông báo của thành phố", more: "Xem chi tiết",
    failed: "Không gửi được: {message}", restarted: "Đã bắt đầu cuộc trò chuyện mới.",
    choicesTitle: "Nội dung gần nhất", noneOfThese: "Không có mục nào", choices: "Có {n} mục để chọn.",
    starting: "Câu hỏi thường gặp",
    staffOf: "Nhân viên {department}", staffReplied: "Nhân viên đã trả lời.", resolvedYes: "Đã giải quyết",
    resolvedNo: "Chưa giải quyết", rated: "Cảm ơn bạn đã cho biết.", staffTyping: "Nhân viên đang viết trả lời…",
  },
  tl: {
    skip: "Pumunta sa kahon ng tanong", title: "AI help desk ng City Hall", conversation: "Usapan",
    noticeLink: "Tungkol sa AI (ano ang iniingatan, sino ang kokontakin)",
    notice: "Awtomatikong sinasagot ng AI (artificial intelligence) ang chat na ito batay sa impormasyong inilathala ng lungsod, at ipinapakita ang pinagmulan. Kapag hindi ito sigurado o may emergency, sasabihin nito kung sino ang kokontakin. Huwag mag-type ng personal na impormasyon.",
    easy: "Madaling Japanese: basa (furigana) sa mahihirap na kanji ng sagot sa Japanese",
    question: "Ang tanong mo", hint: "Halimbawa: Paano magtapon ng malaking basura?", send: "Ipadala", restart: "Bagong usapan",
    you: "Ikaw", assistant: "AI help desk", sources: "Pinagmulan", asOf: "hanggang {date}", thinking: "Inihahanda ang sagot…",
    answered: "Dumating na ang sagot.", helpful: "Nakatulong", notHelpful: "Hindi nakatulong",
    wrong: "Iulat na mali ang sagot", wrongWhat: "Ano ang mali? (opsyonal; huwag maglagay ng personal na detalye)",
    sendWrong: "Ipadala ang ulat", wrongThanks: "Salamat. Susuriin ito ng departamento (reference {reference}).",
    thanks: "Salamat sa iyong puna.", feedbackFailed: "Hindi naipadala ang puna. Subukan ulit.",
    handoffTitle: "Tutulungan ka ng isang kawani", notices: "Mga abiso ng lungsod", more: "Higit pang impormasyon",
    failed: "Hindi naipadala: {message}", restarted: "Nagsimula ang bagong usapan.",
    choicesTitle: "Pinakamalapit na paksa", noneOfThese: "Wala sa mga ito", choices: "{n} paksa ang mapagpipilian.",
    starting: "Madalas itanong",
    staffOf: "Kawani ng {department}", staffReplied: "Sumagot na ang kawani.", resolvedYes: "Nalutas",
    resolvedNo: "Hindi nalutas", rated: "Salamat sa pagsabi sa amin.", staffTyping: "Sumusulat ng sagot ang kawani…",
  },
  pt: {
    skip: "Ir para a caixa de pergunta", title: "Atendimento por IA da Prefeitura", conversation: "Conversa",
    noticeLink: "Sobre a IA (o que é guardado, quem contatar)",
    notice: "Este chat é respondido automaticamente por IA (inteligência artificial) com base nas informações publicadas pela prefeitura, e mostra as fontes. Quando não tem certeza, ou é urgente, indica quem contatar. Não digite dados pessoais.",
    easy: "Japonês fácil: leitura (furigana) sobre os kanji difíceis das respostas em japonês",
    question: "Sua pergunta", hint: "Exemplo: Como descartar lixo de grande porte?", send: "Enviar", restart: "Nova conversa",
    you: "Você", assistant: "Atendimento por IA", sources: "Fontes", asOf: "em {date}", thinking: "Preparando a resposta…",
    answered: "A resposta chegou.", helpful: "Ajudou", notHelpful: "Não ajudou",
    wrong: "Informar erro na resposta", wrongWhat: "O que estava errado? (opcional; não escreva dados pessoais)",
    sendWrong: "Enviar", wrongThanks: "Obrigado. O departamento vai verificar (protocolo {reference}).",
    thanks: "Obrigado pela sua opinião.", feedbackFailed: "Não foi possível enviar sua opinião. Tente de novo.",
    handoffTitle: "Um funcionário vai ajudar você", notices: "Avisos da prefeitura", more: "Mais informações",
    failed: "Não foi possível enviar: {message}", restarted: "Uma nova conversa começou.",
    choicesTitle: "Assuntos mais próximos", noneOfThese: "Nenhum destes", choices: "{n} assuntos para escolher.",
    starting: "Perguntas frequentes",
    staffOf: "Funcionários de {department}", staffReplied: "Um funcionário respondeu.", resolvedYes: "Resolvido",
    resolvedNo: "Não resolvido", rated: "Obrigado por nos informar.", staffTyping: "Um funcionário está escrevendo…",
  },
  ne: {
    skip: "प्रश्न लेख्ने ठाउँमा जानुहोस्", title: "नगरपालिका AI सहायता डेस्क", conversation: "कुराकानी",
    noticeLink: "AI बारे (के राखिन्छ, कसलाई सम्पर्क गर्ने)",
    notice: "यो च्याटमा AI (कृत्रिम बुद्धिमत्ता) ले नगरले प्रकाशित गरेको जानकारीका आधारमा स्वचालित रूपमा उत्तर दिन्छ र स्रोत देखाउँछ। निश्चित नभएमा वा आपत्कालमा कसलाई सम्पर्क गर्ने भनी बताउँछ। व्यक्तिगत जानकारी नलेख्नुहोस्।",
    easy: "सजिलो जापानी: जापानी उत्तरका कठिन कान्जीमा उच्चारण (फुरिगाना)",
    question: "तपाईंको प्रश्न", hint: "उदाहरण: ठूलो फोहोर कसरी फाल्ने?", send: "पठाउनुहोस्", restart: "नयाँ कुराकानी",
    you: "तपाईं", assistant: "AI सहायता", sources: "स्रोत", asOf: "{date} सम्म", thinking: "उत्तर तयार हुँदैछ…",
    answered: "उत्तर आयो।", helpful: "उपयोगी भयो", notHelpful: "उपयोगी भएन",
    wrong: "गलत उत्तर जानकारी दिनुहोस्", wrongWhat: "के गलत थियो? (ऐच्छिक; व्यक्तिगत विवरण नलेख्नुहोस्)",
    sendWrong: "पठाउनुहोस्", wrongThanks: "धन्यवाद। सम्बन्धित विभागले जाँच गर्नेछ (सन्दर्भ {reference})।",
    thanks: "तपाईंको प्रतिक्रियाका लागि धन्यवाद।", feedbackFailed: "प्रतिक्रिया पठाउन सकिएन। फेरि प्रयास गर्नुहोस्।",
    handoffTitle: "कर्मचारीले सहयोग गर्नुहुनेछ", notices: "नगरका सूचना", more: "थप जानकारी",
    failed: "पठाउन सकिएन: {message}", restarted: "नयाँ कुराकानी सुरु भयो।",
    choicesTitle: "नजिकका विषय", noneOfThese: "यीमध्ये कुनै पनि होइन", choices: "{n} विषयबाट छान्न सकिन्छ।",
    starting: "प्रायः सोधिने",
    staffOf: "{department} का कर्मचारी", staffReplied: "कर्मचारीले जवाफ दिनुभयो।", resolvedYes: "समाधान भयो",
    resolvedNo: "समाधान भएन", rated: "जानकारी दिनुभएकोमा धन्यवाद।", staffTyping: "कर्मचारीले जवाफ लेख्दै हुनुहुन्छ…",
  },
  id: {
    skip: "Ke kotak pertanyaan", title: "Layanan AI Balai Kota", conversation: "Percakapan",
    noticeLink: "Tentang AI (apa yang disimpan, siapa yang dihubungi)",
    notice: "Obrolan ini dijawab otomatis oleh AI (kecerdasan buatan) berdasarkan informasi yang diterbitkan kota, dengan sumbernya. Jika tidak yakin, atau mendesak, AI akan memberi tahu siapa yang harus dihubungi. Jangan mengetik data pribadi.",
    easy: "Bahasa Jepang sederhana: cara baca (furigana) di atas kanji sulit pada jawaban bahasa Jepang",
    question: "Pertanyaan Anda", hint: "Contoh: Bagaimana cara membuang sampah besar?", send: "Kirim", restart: "Percakapan baru",
    you: "Anda", assistant: "Layanan AI", sources: "Sumber", asOf: "per {date}", thinking: "Menyiapkan jawaban…",
    answered: "Jawaban sudah tiba.", helpful: "Membantu", notHelpful: "Tidak membantu",
    wrong: "Laporkan jawaban salah", wrongWhat: "Apa yang salah? (opsional; jangan tulis data pribadi)",
    sendWrong: "Kirim laporan", wrongThanks: "Terima kasih. Bagian terkait akan memeriksanya (referensi {reference}).",
    thanks: "Terima kasih atas tanggapan Anda.", feedbackFailed: "Tanggapan tidak terkirim. Silakan coba lagi.",
    handoffTitle: "Petugas akan membantu Anda", notices: "Pemberitahuan dari kota", more: "Informasi lebih lanjut",
    failed: "Tidak terkirim: {message}", restarted: "Percakapan baru dimulai.",
    choicesTitle: "Topik terdekat", noneOfThese: "Tidak ada", choices: "Ada {n} topik untuk dipilih.",
    starting: "Sering ditanyakan",
    staffOf: "Petugas {department}", staffReplied: "Petugas telah membalas.", resolvedYes: "Terjawab",
    resolvedNo: "Belum terjawab", rated: "Terima kasih sudah memberi tahu.", staffTyping: "Petugas sedang menulis balasan…",
  },
  my: {
    skip: "မေးခွန်းရေးရန် နေရာသို့", title: "မြို့တော်ခန်းမ AI အကူအညီ", conversation: "စကားဝိုင်း",
    noticeLink: "AI အကြောင်း (သိမ်းဆည်းသည့် အချက်အလက်၊ ဆက်သွယ်ရန်)",
    notice: "ဤချတ်ကို မြို့က ထုတ်ပြန်ထားသော အချက်အလက်များအပေါ် အခြေခံ၍ AI (ဉာဏ်ရည်တု) က အလိုအလျောက် ဖြေကြားပြီး ရင်းမြစ်ကို ပြသပါသည်။ မသေချာလျှင် သို့မဟုတ် အရေးပေါ်ဖြစ်လျှင် ဆက်သွယ်ရမည့်သူကို ပြောပြပါမည်။ ကိုယ်ရေးအချက်အလက် မရိုက်ထည့်ပါနှင့်။",
    easy: "လွယ်ကူသော ဂျပန်ဘာသာ: ဂျပန်အဖြေရှိ ခက်ခဲသော ခန်းဂျီးများတွင် အသံထွက် (ဖူရီဂါနာ)",
    question: "သင့်မေးခွန်း", hint: "ဥပမာ: အမှိုက်ကြီးများကို ဘယ်လို စွန့်ပစ်ရမလဲ။", send: "ပို့ရန်", restart: "စကားဝိုင်းအသစ်",
    you: "သင်", assistant: "AI အကူအညီ", sources: "ရင်းမြစ်", asOf: "{date} အထိ", thinking: "အဖြေကို ပြင်ဆင်နေသည်…",
    answered: "အဖြေ ရောက်ပါပြီ။", helpful: "အသုံးဝင်သည်", notHelpful: "အသုံးမဝင်ပါ",
    wrong: "အဖြေ မှားကြောင်း သတင်းပို့ရန်", wrongWhat: "ဘာမှားနေသလဲ။ (မဖြစ်မနေ မဟုတ်ပါ၊ ကိုယ်ရေးအချက်အလက် မရေးပါနှင့်)",
    sendWrong: "ပို့ရန်", wrongThanks: "ကျေးဇူးတင်ပါသည်။ တာဝန်ခံဌာနက စစ်ဆေးပါမည် (ရည်ညွှန်း {reference})။",
    thanks: "အကြံပြုချက်အတွက် ကျေးဇူးတင်ပါသည်။", feedbackFailed: "အကြံပြုချက် ပို့၍ မရပါ။ ထပ်စမ်းကြည့်ပါ။",
    handoffTitle: "ဝန်ထမ်းက ကူညီပေးပါမည်", notices: "မြို့၏ အသိပေးချက်များ", more: "အသေးစိတ်",
    failed: "ပို့၍ မရပါ: {message}", restarted: "စကားဝိုင်းအသစ် စတင်ပါပြီ။",
    choicesTitle: "နီးစပ်သော အကြောင်းအရာ", noneOfThese: "ဤအထဲတွင် မရှိပါ", choices: "အကြောင်းအရာ {n} ခုမှ ရွေးနိုင်သည်။",
    starting: "မကြာခဏ မေးလေ့ရှိသည်",
    staffOf: "{department} ဝန်ထမ်း", staffReplied: "ဝန်ထမ်းက ပြန်ဖြေပါပြီ။", resolvedYes: "ဖြေရှင်းပြီး",
    resolvedNo: "မဖြေရှင်းရသေး", rated: "အသိပေးသည့်အတွက် ကျေးဇူးတင်ပါသည်။", staffTyping: "ဝန်ထမ်းက အဖြေ ရေးနေသည်…",
  },
  es: {
    skip: "Ir al cuadro de pregunta", title: "Atención por IA del Ayuntamiento", conversation: "Conversación",
    noticeLink: "Sobre la IA (qué se guarda, a quién contactar)",
    notice: "Este chat lo responde automáticamente una IA (inteligencia artificial) con la información publicada por el ayuntamiento, y muestra sus fuentes. Si no está segura, o es urgente, le indica a quién contactar. No escriba datos personales.",
    easy: "Japonés fácil: lectura (furigana) sobre los kanji difíciles de las respuestas en japonés",
    question: "Su pregunta", hint: "Ejemplo: ¿Cómo tiro basura voluminosa?", send: "Enviar", restart: "Nueva conversación",
    you: "Usted", assistant: "Atención por IA", sources: "Fuentes", asOf: "a {date}", thinking: "Preparando la respuesta…",
    answered: "Ha llegado la respuesta.", helpful: "Útil", notHelpful: "No fue útil",
    wrong: "Informar de una respuesta errónea", wrongWhat: "¿Qué estaba mal? (opcional; no escriba datos personales)",
    sendWrong: "Enviar el aviso", wrongThanks: "Gracias. El departamento lo revisará (referencia {reference}).",
    thanks: "Gracias por su opinión.", feedbackFailed: "No se pudo enviar su opinión. Inténtelo de nuevo.",
    handoffTitle: "Un empleado le ayudará", notices: "Avisos del ayuntamiento", more: "Más información",
    failed: "No se pudo enviar: {message}", restarted: "Ha comenzado una nueva conversación.",
    choicesTitle: "Temas más cercanos", noneOfThese: "Ninguno de estos", choices: "{n} temas para elegir.",
    starting: "Preguntas frecuentes",
    staffOf: "Personal de {department}", staffReplied: "El personal ha respondido.", resolvedYes: "Resuelto",
    resolvedNo: "No resuelto", rated: "Gracias por decírnoslo.", staffTyping: "El personal está escribiendo…",
  },
  th: {
    skip: "ไปที่ช่องคำถาม", title: "ศูนย์ช่วยเหลือ AI ของศาลากลาง", conversation: "การสนทนา",
    noticeLink: "เกี่ยวกับ AI (ข้อมูลที่เก็บไว้ ผู้ที่ติดต่อได้)",
    notice: "แชทนี้ตอบโดยอัตโนมัติด้วย AI (ปัญญาประดิษฐ์) จากข้อมูลที่เทศบาลเผยแพร่ พร้อมแสดงแหล่งที่มา หากไม่แน่ใจหรือเป็นเรื่องเร่งด่วน จะแนะนำผู้ที่ควรติดต่อ โปรดอย่าพิมพ์ข้อมูลส่วนบุคคล",
    easy: "ภาษาญี่ปุ่นง่าย ๆ: คำอ่าน (ฟุริงานะ) บนคันจิที่ยากในคำตอบภาษาญี่ปุ่น",
    question: "คำถามของคุณ", hint: "ตัวอย่าง: ทิ้งขยะชิ้นใหญ่อย่างไร", send: "ส่ง", restart: "เริ่มการสนทนาใหม่",
    you: "คุณ", assistant: "ผู้ช่วย AI", sources: "แหล่งที่มา", asOf: "ณ {date}", thinking: "กำลังเตรียมคำตอบ…",
    answered: "คำตอบมาถึงแล้ว", helpful: "มีประโยชน์", notHelpful: "ไม่มีประโยชน์",
    wrong: "แจ้งว่าคำตอบผิด", wrongWhat: "ผิดตรงไหน (ไม่บังคับ โปรดอย่าเขียนข้อมูลส่วนบุคคล)",
    sendWrong: "ส่งรายงาน", wrongThanks: "ขอบคุณ หน่วยงานที่รับผิดชอบจะตรวจสอบ (หมายเลขอ้างอิง {reference})",
    thanks: "ขอบคุณสำหรับความคิดเห็น", feedbackFailed: "ส่งความคิดเห็นไม่สำเร็จ โปรดลองอีกครั้ง",
    handoffTitle: "เจ้าหน้าที่จะช่วยเหลือคุณ", notices: "ประกาศจากเทศบาล", more: "ข้อมูลเพิ่มเติม",
    failed: "ส่งไม่สำเร็จ: {message}", restarted: "เริ่มการสนทนาใหม่แล้ว",
    choicesTitle: "หัวข้อที่ใกล้เคียง", noneOfThese: "ไม่มีข้อใดตรง", choices: "มี {n} หัวข้อให้เลือก",
    starting: "คำถามที่พบบ่อย",
    staffOf: "เจ้าหน้าที่ของ{department}", staffReplied: "เจ้าหน้าที่ตอบกลับแล้ว", resolvedYes: "แก้ไขแล้ว",
    resolvedNo: "ยังไม่แก้ไข", rated: "ขอบคุณที่แจ้งให้เราทราบ", staffTyping: "เจ้าหน้าที่กำลังเขียนคำตอบ…",
  },
};

function message(kind, langOfText) {
  const item = el("li", undefined, kind);
  item.append(el("p", t(kind === "resident" ? "you" : "assistant"), "who"));
  if (langOfText) item.lang = langOfText;
  $("messages").append(item);
  return item;
}

// The answer's text; with やさしい日本語, its harder kanji under <ruby> with their readings (the text is the same).
function answerText(body) {
  if (!body.furigana) return el("p", body.answer, "answer");
  const paragraph = el("p", undefined, "answer");
  for (const piece of body.furigana) {
    if (!piece.reading) {
      paragraph.append(document.createTextNode(piece.text));
      continue;
    }
    const ruby = document.createElement("ruby");
    ruby.append(document.createTextNode(piece.text), el("rt", piece.reading));
    paragraph.append(ruby);
  }
  return paragraph;
}

function renderSources(item, citations) {
  if (!citations.length) return;
  item.append(el("p", t("sources"), "who"));
  const list = el("ol", undefined, "sources");
  citations.forEach((c) => {
    const entry = el("li");
    const link = el("a", [c.title, c.section].filter(Boolean).join(" "));
    link.href = c.url;
    link.rel = "noopener noreferrer";
    link.target = "_blank";
    entry.append(link);
    if (c.updated) entry.append(` (${t("asOf", { date: c.updated })})`);
    list.append(entry);
  });
  item.append(list);
}

function renderHandoff(item, body) {
  const box = el("div", undefined, body.handoff.reason === "sensitive" ? "handoff emergency" : "handoff");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", t("handoffTitle"));
  if (body.handoff.reason === "sensitive" && body.handoff.contact) {
    box.append(el("p", body.handoff.contact, "contact"));  // the emergency number first, and large
  }
  // The server's words, in the question's language: what happens next, whom to call, the reference to quote.
  box.append(answerText(body));
  item.append(box);
}

function renderFeedback(item, answerId) {
  const row = el("p", undefined, "feedback");
  const send = async (body) => {
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const response = await fetch("v1/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ answer_id: answerId, ...body }),
    }).catch(() => null);
    if (response && response.ok) return response.json();
    row.append(el("span", " " + t("feedbackFailed"), "warn"));  // say so, and let the resident try again
    row.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    return null;
  };
  for (const [key, helpful] of [["helpful", true], ["notHelpful", false]]) {
    const button = el("button", t(key), "secondary");
    button.type = "button";
    button.addEventListener("click", async () => {
      if (await send({ helpful })) row.append(el("span", " " + t("thanks")));
    });
    row.append(button);
  }
  // "This answer is wrong": a case for the department of its source, with what the resident says (optional)
  const wrong = el("button", t("wrong"), "secondary");
  wrong.type = "button";
  wrong.setAttribute("aria-expanded", "false");
  wrong.addEventListener("click", () => {
    if (row.querySelector(".wrong-form")) return;
    wrong.setAttribute("aria-expanded", "true");
    const form = el("span", undefined, "wrong-form");
    const id = `wrong-${answerId}`;
    const label = el("label", t("wrongWhat"));
    label.htmlFor = id;
    const comment = el("textarea");
    comment.id = id;
    comment.rows = 2;
    comment.maxLength = 2000;
    const submit = el("button", t("sendWrong"));
    submit.type = "button";
    submit.addEventListener("click", async () => {
      const body = { helpful: false, wrong: true };
      if (comment.value.trim()) body.comment = comment.value;
      const sent = await send(body);
      if (sent) form.replaceChildren(el("span", t("wrongThanks", { reference: sent.reference })));
    });
    form.append(label, comment, submit);
    row.append(form);
    comment.focus();
  });
  row.append(wrong);
  item.append(row);
}

// The answer arrives as server-sent events: where the city runs a language model, a draft grows while it
// writes; the final "done" event carries the checked answer, which replaces the draft (after a failed check
// it is the extractive answer). Without a model there is only the "done" event.
async function fetchAnswer(payload, onToken) {
  const response = await fetch("v1/ask/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Madoguchi-Channel": "web" },  // an off switch may pause the page alone
    body: JSON.stringify(payload),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error ? body.error.message : response.statusText);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const kind = (block.match(/^event: (.*)$/m) || [])[1];
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
      if (kind === "token") onToken(data);
      else if (kind === "done") return data;
      else if (kind === "error") throw new Error(data.error.message);
    }
  }
  throw new Error(response.statusText || "the answer stopped before it was complete");
}

// The likely entries, when the service asks back: a list of buttons under a heading, "none of these" last.
function renderChoices(item, body) {
  item.append(answerText(body));
  const heading = el("h3", t("choicesTitle"), "who");
  heading.id = `choices-${body.answer_id}`;
  const list = el("ul", undefined, "choices");
  list.setAttribute("aria-labelledby", heading.id);
  const options = body.choices.map((c) => [c.id, [c.title, c.section].filter(Boolean).join(" ")]);
  options.push(["none", t("noneOfThese")]);
  options.forEach(([id, label]) => {
    const button = el("button", label, id === "none" ? "secondary" : "choice");
    button.type = "button";
    button.addEventListener("click", () => {
      list.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      send({ choice: id, conversation_id: body.conversation_id }, label);
    });
    const entry = el("li");
    entry.append(button);
    list.append(entry);
  });
  item.append(heading, list);
  list.querySelector("button").focus();  // the keyboard is where the choice is
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  const payload = { question };  // the service detects the question's language; the page's is for its labels
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (conversation) payload.conversation_id = conversation;
  await send(payload, question);
}

// Sends a question or a pick, and shows what the resident sent and the reply.
async function send(payload, shown) {
  if ($("easy").checked) payload.easy_japanese = true;  // やさしい日本語: the answer comes with its readings
  $("starting").hidden = true;
  message("resident").append(el("p", shown, "answer"));
  $("send").disabled = true;
  say(t("thinking"));
  let item = null;
  let draft = null;
  try {
    const body = await fetchAnswer(payload, (token) => {
      if (!draft) {
        item = message("assistant");
        draft = el("p", "", "answer draft");
        draft.setAttribute("aria-hidden", "true");  // screen readers hear the checked answer, once
        item.append(draft);
      }
      draft.textContent += token;
    });
    sessionStorage.setItem("madoguchi-conversation", body.conversation_id);
    if (draft) draft.remove();
    item = item || message("assistant");
    item.lang = body.lang;
    if (body.outcome === "clarify") {
      renderChoices(item, body);
      say(t("choices", { n: body.choices.length }));
      return;
    }
    if (body.handoff.needed) {
      renderHandoff(item, body);
    } else {
      item.append(answerText(body));
      renderSources(item, body.citations);
    }
    if (body.outcome !== "with_staff") renderFeedback(item, body.answer_id);  // staff, not the AI, answer now
    if (body.handoff.needed) followStaff();  // a person takes over: their replies appear here
    say(t("answered"));
    $("question").focus();
  } catch (error) {
    if (draft) draft.remove();
    (item || message("assistant")).append(el("p", t("failed", { message: error.message }), "warn"));
    $("question").focus();
  } finally {
    $("send").disabled = false;
  }
}

// A conversation handed to a person: staff's replies and their close appear in it as they come (a stream of
// server-sent events, whichever worker or replica the staff console used; read every 1.5 s where the browser has
// no EventSource), until it is back with the bot. While it is with staff the conversation is also kept in
// localStorage, so that the reply is still there after the tab is closed or the next day; "New conversation"
// and the resident's rating forget it.
const staff = { after: 0, source: null, timer: null, restoring: false };
const HANDED = "madoguchi-handed-to-staff";

function followStaff() {
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (!conversation || staff.source || staff.timer) return;
  localStorage.setItem(HANDED, conversation);
  if (!window.EventSource) {
    staff.timer = setInterval(readStaff, 1500);
    return;
  }
  const url = `v1/conversations/${encodeURIComponent(conversation)}/events?after=${staff.after}`;
  staff.source = new EventSource(url);
  staff.source.addEventListener("message", (event) => renderStaffMessage(JSON.parse(event.data)));
  staff.source.addEventListener("state", (event) => showStaffState(JSON.parse(event.data)));
}

function stopFollowing() {
  if (staff.source) staff.source.close();
  if (staff.timer) clearInterval(staff.timer);
  Object.assign(staff, { source: null, timer: null, restoring: false });
}

async function readStaff() {
  const conversation = sessionStorage.getItem("madoguchi-conversation");
  if (!conversation) return;
  try {
    const response = await fetch(`v1/conversations/${encodeURIComponent(conversation)}/messages?after=${staff.after}`);
    if (!response.ok) return;
    const thread = await response.json();
    thread.messages.forEach(renderStaffMessage);
    showStaffState(thread);
  } catch (error) {
    // the next read tries again
  }
}

function showStaffState(thread) {
  staff.restoring = false;  // what came before the first state was the conversation so far
  const typing = $("staff-typing");
  typing.textContent = thread.typing ? t("staffTyping") : "";
  typing.hidden = !thread.typing;
  if (thread.state === "bot") stopFollowing();
}

function renderStaffMessage(m) {
  if (m.id <= staff.after) return;  // a stream that reconnected repeats nothing, but a read may overlap it
  staff.after = m.id;
  if (m.author === "resident") {
    if (staff.restoring) message("resident").append(el("p", m.text));  // shown as sent, unless the page was reloaded
    return;
  }
  const item = el("li", undefined, "staff");
  item.append(el("p", t("staffOf", { department: m.department }), "who"));
  item.append(el("p", m.text, "answer"));
  if (m.citation) renderSources(item, [m.citation]);
  if (m.author === "closing") renderRating(item);
  $("messages").append(item);
  say(t("staffReplied"));
}

function renderRating(item) {
  const row = el("p", undefined, "feedback");
  [["resolvedYes", true], ["resolvedNo", false]].forEach(([label, resolved]) => {
    const button = el("button", t(label), "secondary");
    button.type = "button";
    button.addEventListener("click", async () => {
      const conversation = sessionStorage.getItem("madoguchi-conversation");
      const response = await fetch(`v1/conversations/${encodeURIComponent(conversation)}/resolved`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ resolved }),
      });
      row.replaceChildren(el("span", response.ok ? t("rated") : t("feedbackFailed")));
      if (response.ok) localStorage.removeItem(HANDED);
    });
    row.append(button);
  });
  item.append(row);
}

// Where to start: the entries residents asked about most this month, as buttons that ask them; shown until
// the first question.
async function showStartingPoints() {
  let entries = [];
  try {
    const response = await fetch(`v1/starting-points?lang=${page.lang}`);
    if (response.ok) entries = (await response.json()).entries;
  } catch (error) { entries = []; }
  const list = $("starting-list");
  list.replaceChildren(...entries.map((entry) => {
    const button = el("button", entry.title, "choice");
    button.type = "button";
    button.addEventListener("click", () => {
      $("starting").hidden = true;
      const payload = { question: entry.title };
      const conversation = sessionStorage.getItem("madoguchi-conversation");
      if (conversation) payload.conversation_id = conversation;
      send(payload, entry.title);
    });
    const item = el("li");
    item.append(button);
    return item;
  }));
  $("starting").hidden = entries.length === 0 || $("messages").children.length > 0;
}

// The city's emergency notices (a typhoon, an earthquake) at the top, in the page's language; an emergency
// is announced at once (role="alert"), the others are read in their turn.
let shownNotices = "";

async function showNotices() {
  const box = $("notices");
  let notices = [];
  try {
    const response = await fetch(`v1/notices?lang=${page.lang}`);
    if (!response.ok) return;  // keep what is shown
    notices = await response.json();
  } catch (error) { return; }
  const seen = JSON.stringify(notices);
  if (seen === shownNotices) return;  // unchanged: not announced again
  shownNotices = seen;
  box.querySelectorAll(".city-notice").forEach((node) => node.remove());
  notices.forEach((n) => {
    const item = el("div", undefined, `city-notice ${n.severity}`);
    item.setAttribute("role", n.severity === "emergency" ? "alert" : "status");
    item.append(el("p", n.text));
    if (n.link) {
      const link = el("a", t("more"));
      link.href = n.link;
      link.rel = "noopener noreferrer";
      item.append(link);
    }
    box.append(item);
  });
  box.hidden = notices.length === 0;
}

document.addEventListener("DOMContentLoaded", () => {
  setUpLanguage(TEXT, preferredLanguage(Object.keys(TEXT)), () => {
    showNotices();
    showStartingPoints();
  });
  showNotices();
  showStartingPoints();
  const handed = localStorage.getItem(HANDED);  // a conversation with staff, from before a reload or yesterday
  if (handed && !sessionStorage.getItem("madoguchi-conversation")) sessionStorage.setItem("madoguchi-conversation", handed);
  if (handed) {
    staff.restoring = true;
    $("starting").hidden = true;
    followStaff();
  }
  setInterval(showNotices, 60000);  // a notice published while the page is open appears within a minute
  $("ask-form").addEventListener("submit", ask);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) ask(event);  // Shift+Enter: new line
  });
  $("restart").addEventListener("click", () => {
    sessionStorage.removeItem("madoguchi-conversation");
    localStorage.removeItem(HANDED);
    stopFollowing();
    staff.after = 0;
    $("staff-typing").hidden = true;
    $("messages").replaceChildren();
    showStartingPoints();
    say(t("restarted"));
  });
});
