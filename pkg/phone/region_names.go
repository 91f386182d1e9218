package phone

// regionNames lists, for every region libphonenumber supports, its ISO
// 3166 alpha-2 code, alpha-3 code ("-" when none) and English names, one
// region a line, fields separated by "|". Region folds case, accents and
// punctuation before looking names up, so only distinct spellings are
// listed.
const regionNames = `AC|ASC|Ascension Island|Ascension
AD|AND|Andorra
AE|ARE|United Arab Emirates|UAE|Emirates
AF|AFG|Afghanistan
AG|ATG|Antigua and Barbuda|Antigua
AI|AIA|Anguilla
AL|ALB|Albania
AM|ARM|Armenia
AO|AGO|Angola
AR|ARG|Argentina
AS|ASM|American Samoa
AT|AUT|Austria|Österreich
AU|AUS|Australia
AW|ABW|Aruba
AX|ALA|Åland Islands|Aland
AZ|AZE|Azerbaijan
BA|BIH|Bosnia and Herzegovina|Bosnia
BB|BRB|Barbados
BD|BGD|Bangladesh
BE|BEL|Belgium|België|Belgique
BF|BFA|Burkina Faso
BG|BGR|Bulgaria
BH|BHR|Bahrain
BI|BDI|Burundi
BJ|BEN|Benin
BL|BLM|Saint Barthélemy|St Barts
BM|BMU|Bermuda
BN|BRN|Brunei|Brunei Darussalam
BO|BOL|Bolivia
BQ|BES|Caribbean Netherlands|Bonaire|Bonaire, Sint Eustatius and Saba
BR|BRA|Brazil|Brasil
BS|BHS|Bahamas
BT|BTN|Bhutan
BW|BWA|Botswana
BY|BLR|Belarus
BZ|BLZ|Belize
CA|CAN|Canada
CC|CCK|Cocos (Keeling) Islands|Cocos Islands
CD|COD|Democratic Republic of the Congo|DR Congo|DRC|Congo-Kinshasa|Congo, Democratic Republic of the
CF|CAF|Central African Republic
CG|COG|Republic of the Congo|Congo|Congo-Brazzaville
CH|CHE|Switzerland|Schweiz|Suisse
CI|CIV|Côte d'Ivoire|Ivory Coast
CK|COK|Cook Islands
CL|CHL|Chile
CM|CMR|Cameroon
CN|CHN|China|People's Republic of China|PRC
CO|COL|Colombia
CR|CRI|Costa Rica
CU|CUB|Cuba
CV|CPV|Cape Verde|Cabo Verde
CW|CUW|Curaçao
CX|CXR|Christmas Island
CY|CYP|Cyprus
CZ|CZE|Czechia|Czech Republic
DE|DEU|Germany|Deutschland
DJ|DJI|Djibouti
DK|DNK|Denmark
DM|DMA|Dominica
DO|DOM|Dominican Republic
DZ|DZA|Algeria
EC|ECU|Ecuador
EE|EST|Estonia
EG|EGY|Egypt
EH|ESH|Western Sahara
ER|ERI|Eritrea
ES|ESP|Spain|España
ET|ETH|Ethiopia
FI|FIN|Finland
FJ|FJI|Fiji
FK|FLK|Falkland Islands|Falklands
FM|FSM|Micronesia|Federated States of Micronesia
FO|FRO|Faroe Islands
FR|FRA|France
GA|GAB|Gabon
GB|GBR|United Kingdom|UK|U.K.|Great Britain|Britain|England|Scotland|Wales|Northern Ireland|United Kingdom of Great Britain and Northern Ireland
GD|GRD|Grenada
GE|GEO|Georgia
GF|GUF|French Guiana
GG|GGY|Guernsey
GH|GHA|Ghana
GI|GIB|Gibraltar
GL|GRL|Greenland
GM|GMB|Gambia
GN|GIN|Guinea
GP|GLP|Guadeloupe
GQ|GNQ|Equatorial Guinea
GR|GRC|Greece
GT|GTM|Guatemala
GU|GUM|Guam
GW|GNB|Guinea-Bissau
GY|GUY|Guyana
HK|HKG|Hong Kong
HN|HND|Honduras
HR|HRV|Croatia
HT|HTI|Haiti
HU|HUN|Hungary
ID|IDN|Indonesia
IE|IRL|Ireland|Republic of Ireland|Eire
IL|ISR|Israel
IM|IMN|Isle of Man
IN|IND|India
IO|IOT|British Indian Ocean Territory
IQ|IRQ|Iraq
IR|IRN|Iran|Islamic Republic of Iran
IS|ISL|Iceland
IT|ITA|Italy|Italia
JE|JEY|Jersey
JM|JAM|Jamaica
JO|JOR|Jordan
JP|JPN|Japan
KE|KEN|Kenya
KG|KGZ|Kyrgyzstan
KH|KHM|Cambodia
KI|KIR|Kiribati
KM|COM|Comoros
KN|KNA|Saint Kitts and Nevis
KP|PRK|North Korea|Democratic People's Republic of Korea
KR|KOR|South Korea|Korea|Republic of Korea|Korea, Republic of
KW|KWT|Kuwait
KY|CYM|Cayman Islands
KZ|KAZ|Kazakhstan
LA|LAO|Laos|Lao People's Democratic Republic
LB|LBN|Lebanon
LC|LCA|Saint Lucia
LI|LIE|Liechtenstein
LK|LKA|Sri Lanka
LR|LBR|Liberia
LS|LSO|Lesotho
LT|LTU|Lithuania
LU|LUX|Luxembourg
LV|LVA|Latvia
LY|LBY|Libya
MA|MAR|Morocco
MC|MCO|Monaco
MD|MDA|Moldova|Republic of Moldova
ME|MNE|Montenegro
MF|MAF|Saint Martin|Saint Martin (French part)
MG|MDG|Madagascar
MH|MHL|Marshall Islands
MK|MKD|North Macedonia|Macedonia
ML|MLI|Mali
MM|MMR|Myanmar|Burma
MN|MNG|Mongolia
MO|MAC|Macao|Macau
MP|MNP|Northern Mariana Islands
MQ|MTQ|Martinique
MR|MRT|Mauritania
MS|MSR|Montserrat
MT|MLT|Malta
MU|MUS|Mauritius
MV|MDV|Maldives
MW|MWI|Malawi
MX|MEX|Mexico|México
MY|MYS|Malaysia
MZ|MOZ|Mozambique
NA|NAM|Namibia
NC|NCL|New Caledonia
NE|NER|Niger
NF|NFK|Norfolk Island
NG|NGA|Nigeria
NI|NIC|Nicaragua
NL|NLD|Netherlands|Holland|Nederland
NO|NOR|Norway|Norge
NP|NPL|Nepal
NR|NRU|Nauru
NU|NIU|Niue
NZ|NZL|New Zealand
OM|OMN|Oman
PA|PAN|Panama
PE|PER|Peru
PF|PYF|French Polynesia
PG|PNG|Papua New Guinea
PH|PHL|Philippines
PK|PAK|Pakistan
PL|POL|Poland|Polska
PM|SPM|Saint Pierre and Miquelon
PR|PRI|Puerto Rico
PS|PSE|Palestine|State of Palestine|Palestinian Territories
PT|PRT|Portugal
PW|PLW|Palau
PY|PRY|Paraguay
QA|QAT|Qatar
RE|REU|Réunion
RO|ROU|Romania
RS|SRB|Serbia
RU|RUS|Russia|Russian Federation
RW|RWA|Rwanda
SA|SAU|Saudi Arabia
SB|SLB|Solomon Islands
SC|SYC|Seychelles
SD|SDN|Sudan
SE|SWE|Sweden|Sverige
SG|SGP|Singapore
SH|SHN|Saint Helena|Saint Helena, Ascension and Tristan da Cunha
SI|SVN|Slovenia
SJ|SJM|Svalbard and Jan Mayen|Svalbard
SK|SVK|Slovakia|Slovak Republic
SL|SLE|Sierra Leone
SM|SMR|San Marino
SN|SEN|Senegal
SO|SOM|Somalia
SR|SUR|Suriname
SS|SSD|South Sudan
ST|STP|São Tomé and Príncipe
SV|SLV|El Salvador
SX|SXM|Sint Maarten|Sint Maarten (Dutch part)
SY|SYR|Syria|Syrian Arab Republic
SZ|SWZ|Eswatini|Swaziland
TA|-|Tristan da Cunha
TC|TCA|Turks and Caicos Islands
TD|TCD|Chad
TG|TGO|Togo
TH|THA|Thailand
TJ|TJK|Tajikistan
TK|TKL|Tokelau
TL|TLS|Timor-Leste|East Timor
TM|TKM|Turkmenistan
TN|TUN|Tunisia
TO|TON|Tonga
TR|TUR|Turkey|Türkiye
TT|TTO|Trinidad and Tobago|Trinidad
TV|TUV|Tuvalu
TW|TWN|Taiwan
TZ|TZA|Tanzania|United Republic of Tanzania
UA|UKR|Ukraine
UG|UGA|Uganda
US|USA|United States|United States of America|America|U.S.|U.S.A.
UY|URY|Uruguay
UZ|UZB|Uzbekistan
VA|VAT|Vatican City|Holy See|Vatican
VC|VCT|Saint Vincent and the Grenadines
VE|VEN|Venezuela
VG|VGB|British Virgin Islands|Virgin Islands, British
VI|VIR|U.S. Virgin Islands|Virgin Islands, U.S.
VN|VNM|Vietnam|Viet Nam
VU|VUT|Vanuatu
WF|WLF|Wallis and Futuna
WS|WSM|Samoa
XK|XKX|Kosovo
YE|YEM|Yemen
YT|MYT|Mayotte
ZA|ZAF|South Africa
ZM|ZMB|Zambia
ZW|ZWE|Zimbabwe`
