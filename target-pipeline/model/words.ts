/**
 * Whole words that head the generated vocabulary, so that ordinary English and the
 * support-ticket language the load generator writes tokenize into whole-word pieces
 * the way they would with a real BERT vocabulary. The rest of the vocabulary is
 * filler (see vocab.ts).
 */

const COMMON = `
the of and to a in is it you that he was for on are with as i his they be at one have
this from or had by not word but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them write would
like so these her long make thing see him two has look more day could go come did number
sound no most people my over know water than call first who may down side been now find
any new work part take get place made live where after back little only round man year
came show every good me give our under name very through just form sentence great think say
help low line differ turn cause much mean before move right boy old too same tell does set
three want air well also play small end put home read hand port large spell add even land
here must big high such follow act why ask men change went light kind off need house picture
try us again animal point mother world near build self earth father head stand own page
should country found answer school grow study still learn plant cover food sun four between
state keep eye never last let thought city tree cross farm hard start might story saw far sea
draw left late run while press close night real life few north open seem together next white
children begin got walk example ease paper group always music those both mark often letter
until mile river car feet care second book carry took science eat room friend began idea fish
mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual
young ready above ever red list though feel talk bird soon body dog family direct pose leave
song measure door product black short numeral class wind question happen complete ship area
half rock order fire south problem piece told knew pass since top whole king space heard best
hour better true during hundred five remember step early hold west ground interest reach fast
verb sing listen six table travel less morning ten simple several vowel toward war lay against
pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star
box noun field rest correct able pound done beauty drive stood contain front teach week final
gave green oh quick develop ocean warm free minute strong special mind behind clear tail produce
fact street inch multiply nothing course stay wheel full force blue object decide surface deep
moon island foot system busy test record boat common gold possible plane stead dry wonder laugh
thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill
east paint language among please thanks hello hi dear sorry problem issue
`;

/** Words of the pipeline's domain: orders, accounts, billing, and the labels themselves. */
const DOMAIN = `
approve review reject escalate defer refund upsell retain customer client user account
order orders payment payments invoice invoices billing bill charge charged charges card credit
debit transaction transactions subscription subscriptions plan plans upgrade downgrade cancel
cancelled cancellation renew renewal trial premium basic enterprise price pricing discount
coupon promo offer delivery delivered shipping shipped shipment package parcel tracking
return returned returns exchange replacement damaged broken missing late delay delayed
support ticket agent manager supervisor complaint complain urgent priority request
requested requesting help issue issues error errors bug crash login password reset email
phone address profile settings feature features product products service services quality
contract terms policy fraud suspicious dispute chargeback balance fee fees overcharged
monthly annual yearly week weekly today yesterday tomorrow still again already never
`;

export const WORDS: readonly string[] = [...new Set(`${COMMON} ${DOMAIN}`.split(/\s+/).filter((w) => w.length > 0))];

/** Common English suffixes, written as WordPiece continuation pieces. */
export const SUFFIXES: readonly string[] = [
  's', 'es', 'ed', 'd', 'ing', 'er', 'ers', 'est', 'ly', 'tion', 'tions', 'sion', 'ment', 'ments',
  'ness', 'able', 'ible', 'al', 'ial', 'ful', 'less', 'ity', 'ize', 'ized', 'ous', 'ive', 'ic',
  'ical', 'ist', 'ism', 'ance', 'ence', 'ant', 'ent', 'ary', 'ery', 'ory', 'y', 'en', 'ship',
];
